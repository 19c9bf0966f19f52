// Runs the encoded-frame transforms off the main thread: encrypts what we
// send, decrypts what we receive. The page hands over each sender's and
// receiver's encoded streams (createEncodedStreams) and the key; with no key,
// sending passes frames through and receiving drops encrypted frames (they
// could not be shown anyway).
import { clearBytes, decryptFrame, decryptH264, encryptFrame, encryptH264, isH264, isMarked, type FrameKind } from './frames.ts';

interface EncodedFrame {
  data: ArrayBuffer;
  type?: 'key' | 'delta' | 'empty';
}
interface Streams {
  readable: ReadableStream<EncodedFrame>;
  writable: WritableStream<EncodedFrame>;
  operation: 'encrypt' | 'decrypt';
  kind: FrameKind;
}
type Message = { key: CryptoKey | null } | { streams: Streams } | { stats: true };
interface WorkerScope {
  onmessage: ((e: MessageEvent<Message>) => void) | null;
  /** RTCRtpScriptTransform (Firefox, Safari): the streams arrive with the transform's options. */
  onrtctransform?: ((e: { transformer: { readable: ReadableStream<EncodedFrame>; writable: WritableStream<EncodedFrame>; options: { operation: Streams['operation']; kind: FrameKind } } }) => void) | null;
  postMessage(m: unknown): void;
}
const scope = self as unknown as WorkerScope;

let key: CryptoKey | null = null;
const counters = { transforms: 0, encrypted: 0, decrypted: 0, dropped: 0 };

scope.onrtctransform = ({ transformer }) => run({ readable: transformer.readable, writable: transformer.writable, ...transformer.options });

scope.onmessage = ({ data }) => {
  if ('key' in data) key = data.key;
  else if ('streams' in data) run(data.streams);
  scope.postMessage({ counters });
};

function run({ readable, writable, operation, kind }: Streams): void {
  counters.transforms += 1;
  void readable
    .pipeThrough(
      new TransformStream<EncodedFrame, EncodedFrame>({
        async transform(frame, out) {
          const data = new Uint8Array(frame.data);
          const k = key;
          const clear = clearBytes(kind, frame.type === 'key');
          const h264 = kind === 'video' && isH264(data);
          if (operation === 'encrypt') {
            if (k && data.length > 0) {
              frame.data = (h264 ? await encryptH264(k, data) : await encryptFrame(k, data, clear)).buffer;
              counters.encrypted += 1;
            }
            out.enqueue(frame);
            return;
          }
          // Plain frames (a sender without encryption) pass; encrypted ones
          // pass only if our key opens them.
          if (!isMarked(data)) {
            out.enqueue(frame);
            return;
          }
          const plain = k ? await (h264 ? decryptH264(k, data) : decryptFrame(k, data, clear)) : undefined;
          if (!plain) {
            counters.dropped += 1;
            return;
          }
          frame.data = plain.buffer;
          counters.decrypted += 1;
          out.enqueue(frame);
        },
      }),
    )
    .pipeTo(writable)
    .catch(() => undefined); // the sender or receiver closed
}
