import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { TokenBucket } from '../lib/token-bucket.ts';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/**
 * A meeting password: kept only as a salted scrypt hash, compared in constant
 * time, and guessing is slowed per client address and per participant (a
 * bucket each: 5 tries, then one every 10 s). The password itself is never
 * stored, logged or sent back.
 */
export class MeetingPassword {
  #salt: Buffer | undefined;
  #hash: Buffer | undefined;
  /** Bumped on every change, so a slow hash of an old password cannot land after a newer one. */
  #version = 0;
  readonly #tries = new Map<string, TokenBucket>();

  get isSet(): boolean {
    return this.#hash !== undefined;
  }

  /** The salted hash as kept with the meeting's record (`scrypt$<salt>$<hash>`); null when there is no password. */
  stored(): string | null {
    return this.#salt && this.#hash ? `scrypt$${this.#salt.toString('base64url')}$${this.#hash.toString('base64url')}` : null;
  }

  /** Takes back a hash kept by `stored()` (a meeting opened again); anything malformed is no password. */
  restore(stored: string | null): void {
    this.#version++;
    const [alg, salt, hash] = stored?.split('$') ?? [];
    if (alg !== 'scrypt' || !salt || !hash) {
      this.#salt = this.#hash = undefined;
      return;
    }
    this.#salt = Buffer.from(salt, 'base64url');
    this.#hash = Buffer.from(hash, 'base64url');
  }

  async set(password: string | null): Promise<void> {
    const version = ++this.#version;
    if (password === null) {
      this.#salt = this.#hash = undefined;
      return;
    }
    const salt = crypto.randomBytes(16);
    const hash = await scrypt(password.normalize('NFC'), salt, 32);
    if (version !== this.#version) return;
    this.#salt = salt;
    this.#hash = hash;
  }

  /** False once any of `keys` (client address, participant) has used up its tries. */
  mayTry(keys: string[]): boolean {
    let ok = true;
    for (const key of keys) {
      let b = this.#tries.get(key);
      if (!b) {
        // Bounded: the oldest bucket goes first (clearing them all would hand
        // a guesser fresh tries by flooding new keys).
        if (this.#tries.size >= 10_000) this.#tries.delete(this.#tries.keys().next().value!);
        this.#tries.set(key, (b = new TokenBucket(5, 0.1)));
      }
      if (!b.take()) ok = false;
    }
    return ok;
  }

  async matches(password: string): Promise<boolean> {
    const salt = this.#salt;
    const hash = this.#hash;
    if (!salt || !hash) return false;
    const given = await scrypt(password.normalize('NFC'), salt, 32);
    return crypto.timingSafeEqual(given, hash);
  }
}
