// Load generators only (never imported by a measured SFU process).
//
// werift creates a cipher per SRTP packet from the raw session key Buffer.
// On Node 24 turning that Buffer into a key costs ~20 us per call (type
// checks in prepareSecretKey), 3-4x the AES-GCM work itself: with a few
// hundred receivers the load generator, not the SFU, would saturate the two
// cores. The same key as a KeyObject, made once per session key, skips that.
// Same algorithms, same bytes: only the key's wrapper changes.
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';

const keys = new WeakMap<object, crypto.KeyObject>();
function keyObject<T>(key: T): T | crypto.KeyObject {
  if (!(key instanceof Uint8Array)) return key;
  let k = keys.get(key);
  if (!k) keys.set(key, (k = crypto.createSecretKey(key)));
  return k;
}

let installed = false;
export function installFastCipherKeys(): void {
  if (installed) return;
  installed = true;
  const { createCipheriv, createDecipheriv, createHmac } = crypto;
  const c = crypto as unknown as Record<string, unknown>;
  c.createCipheriv = (alg: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, opts?: object) =>
    createCipheriv(alg, keyObject(key), iv, opts as crypto.CipherGCMOptions);
  c.createDecipheriv = (alg: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, opts?: object) =>
    createDecipheriv(alg, keyObject(key), iv, opts as crypto.CipherGCMOptions);
  c.createHmac = (alg: string, key: crypto.BinaryLike | crypto.KeyObject, opts?: object) => createHmac(alg, keyObject(key), opts as never);
  // ESM importers (werift's bundle) see the patched functions too.
  syncBuiltinESMExports();
}
