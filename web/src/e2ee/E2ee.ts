// End-to-end encryption for one meeting session: a worker holding the key and
// the frame transforms attached to every sender and receiver once enabled.
import { deriveKey, type FrameKind } from './frames.ts';

type Counters = { transforms: number; encrypted: number; decrypted: number; dropped: number };
type WithStreams = { createEncodedStreams(): { readable: ReadableStream; writable: WritableStream } };

/**
 * Chromium's encoded streams. (Its RTCRtpScriptTransform only runs when set
 * before the connection is negotiated, which mediasoup-client does not let us
 * do; the streams API works on senders and receivers as they come.) Every
 * transport is created with `encodedInsertableStreams`, and then every sender
 * and receiver must be piped through the worker.
 */
function encodedStreams(): boolean {
  return typeof RTCRtpSender !== 'undefined' && 'createEncodedStreams' in RTCRtpSender.prototype;
}

/**
 * Firefox (and Safari) have the standard RTCRtpScriptTransform instead, which
 * they accept on a sender or receiver at any time. Feature-detected only:
 * Firefox cannot be installed on our test machines, so that path is not
 * covered by the browser tests (docs/architecture.md says so).
 */
type ScriptTransformCtor = new (worker: Worker, options: object) => object;
function scriptTransform(): ScriptTransformCtor | undefined {
  return (globalThis as { RTCRtpScriptTransform?: ScriptTransformCtor }).RTCRtpScriptTransform;
}

export function e2eeSupported(): boolean {
  return encodedStreams() || scriptTransform() !== undefined;
}

/** For mediasoup-client transports: what makes encoded streams available. */
export const E2EE_PC_SETTINGS = { encodedInsertableStreams: true } as Partial<RTCConfiguration>;

export class E2ee {
  readonly #worker = new Worker(new URL('./e2ee.worker.ts', import.meta.url), { type: 'module', name: 'parley-e2ee' });
  readonly #attached = new WeakSet<object>();
  #counters: Counters = { transforms: 0, encrypted: 0, decrypted: 0, dropped: 0 };

  constructor() {
    this.#worker.onmessage = (e: MessageEvent<{ counters?: Counters }>) => {
      if (e.data.counters) this.#counters = e.data.counters;
    };
  }

  /** Transforms running; frames encrypted, decrypted and dropped (no or another key) so far: for the tests and support. */
  get counters(): Counters {
    this.#worker.postMessage({ stats: true });
    return this.#counters;
  }

  async setPassphrase(passphrase: string | null, meetingId: string): Promise<void> {
    const key = passphrase ? await deriveKey(passphrase, meetingId) : null;
    this.#worker.postMessage({ key });
  }

  /** Encrypts what `sender` sends (idempotent). */
  attachSender(sender: RTCRtpSender | undefined, kind: FrameKind): void {
    this.#attach(sender, 'encrypt', kind);
  }

  /** Decrypts what `receiver` receives (idempotent). */
  attachReceiver(receiver: RTCRtpReceiver | undefined, kind: FrameKind): void {
    this.#attach(receiver, 'decrypt', kind);
  }

  #attach(target: RTCRtpSender | RTCRtpReceiver | undefined, operation: 'encrypt' | 'decrypt', kind: FrameKind): void {
    if (!target || this.#attached.has(target)) return;
    this.#attached.add(target);
    const Transform = scriptTransform();
    if (!encodedStreams() && Transform) {
      (target as unknown as { transform: object }).transform = new Transform(this.#worker, { operation, kind });
      return;
    }
    const { readable, writable } = (target as unknown as WithStreams).createEncodedStreams();
    this.#worker.postMessage({ streams: { readable, writable, operation, kind } }, [readable as unknown as Transferable, writable as unknown as Transferable]);
  }

  close(): void {
    this.#worker.terminate();
  }
}
