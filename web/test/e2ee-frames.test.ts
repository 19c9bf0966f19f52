// The frame encryption of web/src/e2ee, run in Node (same WebCrypto API as
// the browser's worker): what goes on the wire, and what a wrong key, a
// changed byte or a malformed frame does.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { clearBytes, decryptFrame, decryptH264, deriveKey, encryptFrame, encryptH264, escapeRbsp, h264ClearBytes, isH264, isMarked, MARKER, unescapeRbsp } from '../src/e2ee/frames.ts';

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

/** An H.264 access unit in Annex B form: SPS, PPS, then a slice (IDR or not) whose payload has many zeros. */
function h264Frame(idr: boolean, payload: number[]): Uint8Array<ArrayBuffer> {
  const sps = [0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01];
  const pps = [0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80];
  const slice = [0, 0, 1, idr ? 0x65 : 0x41, 0x88, ...payload];
  return Uint8Array.from(idr ? [...sps, ...pps, ...slice] : slice);
}
/** Where a start code or a forbidden sequence (00 00 00/01/02; 00 00 03 is the escape itself) appears at or after `from`. */
function startCodeAt(data: Uint8Array, from: number): number {
  for (let i = Math.max(0, from - 2); i + 2 < data.length; i++) if (data[i] === 0 && data[i + 1] === 0 && data[i + 2]! <= 2 && i + 2 >= from) return i;
  return -1;
}

test('H.264: parameter sets and the slice header stay readable; the sealed rest never holds a start code; it round-trips', async () => {
  const key = await deriveKey('blue whale', 'meeting-1');
  for (const idr of [true, false]) {
    for (let seed = 0; seed < 50; seed++) {
      // Runs of zeros and small bytes: what emulation prevention exists for.
      const payload = Array.from({ length: 200 + seed * 37 }, (_, i) => ((i * 7 + seed) % 5 === 0 ? 0 : (i * 13 + seed) % 4));
      const plain = h264Frame(idr, payload);
      assert.ok(isH264(plain));
      const clear = h264ClearBytes(plain);
      assert.equal(plain[clear - 2]! & 0x1f, idr ? 5 : 1, 'the clear part ends one byte after the slice NAL header');
      const sealed = await encryptH264(key, plain);
      assert.deepEqual(sealed.subarray(0, clear), plain.subarray(0, clear));
      assert.equal(startCodeAt(sealed, clear), -1, 'no start code in the encrypted part');
      assert.ok(isMarked(sealed), 'the marker survives the escaping');
      assert.deepEqual(await decryptH264(key, sealed), plain);
      assert.equal(await decryptH264(await deriveKey('other', 'meeting-1'), sealed), undefined);
    }
  }
});

test('H.264 escaping: any bytes round-trip, zeros before the boundary count, a frame without a slice stays as it is', async () => {
  for (let seed = 1; seed < 200; seed++) {
    const data = Uint8Array.from({ length: seed * 3 }, (_, i) => ((i * 2654435761 + seed) >>> 0) % 4);
    for (const before of [0, 1, 2]) {
      const escaped = escapeRbsp(data, before);
      assert.deepEqual(unescapeRbsp(escaped, before), data);
      assert.equal(startCodeAt(Uint8Array.from([...Array(before).fill(0), ...escaped]), 0), -1);
    }
  }
  const key = await deriveKey('k', 'm');
  const paramsOnly = Uint8Array.from([0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce]);
  assert.deepEqual(await encryptH264(key, paramsOnly), paramsOnly);
  assert.equal(isH264(Uint8Array.from([0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a])), false, 'a VP8 key frame is not taken for H.264');
});

