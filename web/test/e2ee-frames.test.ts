// The frame encryption of web/src/e2ee, run in Node (same WebCrypto API as
// the browser's worker): what goes on the wire, and what a wrong key, a
// changed byte or a malformed frame does.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { clearBytes, decryptFrame, deriveKey, encryptFrame, isMarked, MARKER } from '../src/e2ee/frames.ts';

const frame = (n: number, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('a frame round-trips; its codec header stays readable and everything else is ciphertext', async () => {
  const key = await deriveKey('blue whale', 'meeting-1');
  for (const [kind, keyFrame, n] of [['video', true, 1200], ['video', false, 300], ['audio', false, 80]] as const) {
    const plain = frame(n);
    const clear = clearBytes(kind, keyFrame);
    const sealed = await encryptFrame(key, plain, clear);
    assert.ok(isMarked(sealed));
    assert.deepEqual(sealed.subarray(0, clear), plain.subarray(0, clear), 'the SFU still reads the codec header');
    assert.equal(sealed.length, n + 16 + 12 + MARKER.length);
    assert.notDeepEqual(sealed.subarray(clear, n), plain.subarray(clear), 'the rest is not in the clear');
    assert.deepEqual(await decryptFrame(key, sealed, clear), plain);
  }
});

test('the key is AES-256 (GCM), usable only to encrypt and decrypt, and cannot be read out', async () => {
  const key = await deriveKey('blue whale', 'meeting-1');
  assert.deepEqual(key.algorithm, { name: 'AES-GCM', length: 256 });
  assert.deepEqual([...key.usages].sort(), ['decrypt', 'encrypt']);
  assert.equal(key.extractable, false);
});

test('the same passphrase in another meeting, or another passphrase, opens nothing', async () => {
  const key = await deriveKey('blue whale', 'meeting-1');
  const sealed = await encryptFrame(key, frame(500), 10);
  assert.equal(await decryptFrame(await deriveKey('blue whale', 'meeting-2'), sealed, 10), undefined);
  assert.equal(await decryptFrame(await deriveKey('Blue whale', 'meeting-1'), sealed, 10), undefined);
});

test('a changed byte anywhere (clear header included) is refused', async () => {
  const key = await deriveKey('k', 'm');
  const sealed = await encryptFrame(key, frame(400), 10);
  for (const at of [0, 5, 9, 10, 200, sealed.length - MARKER.length - 1]) {
    const bad = sealed.slice();
    bad[at]! ^= 0x01;
    assert.equal(await decryptFrame(key, bad, 10), undefined, `byte ${at}`);
  }
});

test('frames each new: two encryptions of one frame differ (fresh IV)', async () => {
  const key = await deriveKey('k', 'm');
  const a = await encryptFrame(key, frame(100), 3);
  const b = await encryptFrame(key, frame(100), 3);
  assert.notDeepEqual(a, b);
});

test('plain, empty, short and truncated frames: never a crash, never a false "decrypted"', async () => {
  const key = await deriveKey('k', 'm');
  assert.equal(isMarked(frame(100)), false, 'a plain frame is not taken for an encrypted one');
  assert.equal(isMarked(new Uint8Array(0)), false);
  assert.equal(isMarked(Uint8Array.from([...MARKER])), false, 'a marker alone is too short');
  const tiny = await encryptFrame(key, Uint8Array.from([1, 2]), 10);
  assert.deepEqual(await decryptFrame(key, tiny, 10), Uint8Array.from([1, 2]));
  const sealed = await encryptFrame(key, frame(300), 10);
  const truncated = Uint8Array.from([...sealed.subarray(0, 40), ...MARKER]);
  assert.equal(await decryptFrame(key, truncated, 10), undefined);
});
