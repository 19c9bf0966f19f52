// End-to-end encryption of our media: the passphrase, and the transforms
// every sender and receiver goes through once encryption was first used.
import { signal } from '@preact/signals';
import type { SessionCore } from '../core/session.ts';
import { t } from '../i18n/index.ts';
import { E2ee, e2eeSupported } from './E2ee.ts';

export interface E2eeMediaHooks {
  /** Rebuilds our media connections (encoded streams are asked for when they are made); nothing when there are none yet. */
  rebuild(): Promise<void>;
}

export class E2eeStore {
  /** Our media is encrypted end to end (a passphrase was entered). */
  readonly enabled = signal(false);
  readonly #core: SessionCore;
  readonly #media: E2eeMediaHooks;
  /** Set once encryption was first switched on: from then on every sender and receiver goes through its worker. */
  #e2ee: E2ee | undefined;

  constructor(core: SessionCore, media: E2eeMediaHooks) {
    this.#core = core;
    this.#media = media;
  }

  /** The transforms' owner, once encryption was used (media code attaches senders and receivers to it). */
  get transforms(): E2ee | undefined {
    return this.#e2ee;
  }

  /**
   * Turns end-to-end encryption on with `passphrase` (everyone who enters the
   * same one sees and hears each other; the SFU forwards only ciphertext), or
   * off with null. Transforms go on every sender and receiver, now and later.
   */
  async setPassphrase(passphrase: string | null): Promise<void> {
    if (passphrase && !e2eeSupported()) {
      this.#core.notify(t('e2ee.unsupported'));
      return;
    }
    if (!passphrase && !this.#e2ee) return;
    const first = !this.#e2ee;
    this.#e2ee ??= new E2ee();
    await this.#e2ee.setPassphrase(passphrase, this.#core.meetingId);
    this.enabled.value = Boolean(passphrase);
    // Encoded streams must be asked for when a connection is created, and
    // piping every frame through a worker costs a little: so only those who
    // turn encryption on pay for it, by rebuilding their media once (a short
    // gap, then everything runs through the transforms).
    if (first) await this.#media.rebuild();
    await this.#core.request('e2ee:set', { enabled: Boolean(passphrase) }).catch(() => undefined);
  }

  /** Frames encrypted / decrypted / dropped by our transforms (tests, support). */
  counters(): { transforms: number; encrypted: number; decrypted: number; dropped: number } | null {
    return this.#e2ee?.counters ?? null;
  }

  close(): void {
    this.#e2ee?.close();
    this.#e2ee = undefined;
    this.enabled.value = false;
  }
}
