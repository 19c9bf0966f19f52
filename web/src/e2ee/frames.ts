// End-to-end encryption of media frames (AES-GCM, WebCrypto), shared by the
// worker that transforms them. Kept free of DOM types so it runs in a worker.
//
// Frame layout after encryption:
//   [clear header][ciphertext + 16-byte tag][12-byte IV][4-byte marker "PE2E"]
// The clear header is the part the SFU and the packetizer read: the VP8
// payload header (10 bytes of a key frame, 3 of a delta frame: mediasoup
// finds key frames and the picture size there) and the opus TOC byte. It is
// authenticated as additional data, so it cannot be changed either.
//
// H.264 frames are NAL units in Annex B form (each after a 00 00 01 start
// code), which the browser's packetizer splits on. As LiveKit does, the
// parameter sets and the first slice's NAL header and first byte stay clear
// (mediasoup reads NAL types to find key frames; the receiver's depacketizer
// reads the slice's PPS id there), and everything after it is escaped as
// H.264 escapes its own payloads (a 03 after two zero bytes before any byte
// <= 03) so the ciphertext never contains a start code.

export const MARKER = new Uint8Array([0x50, 0x45, 0x32, 0x45]);
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type FrameKind = 'audio' | 'video';

export function clearBytes(kind: FrameKind, keyFrame: boolean): number {
  if (kind === 'audio') return 1;
  return keyFrame ? 10 : 3;
}

/** A 256-bit AES-GCM key (AES-256, as the seeds promise) from a passphrase: everyone who types the same one in this meeting gets the same key. */
export async function deriveKey(passphrase: string, meetingId: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', iterations: 100_000, salt: new TextEncoder().encode(`parley-e2ee:${meetingId}`) },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** H.264 in Annex B form starts with a start code; a VP8 frame never does (its first byte carries the show_frame bit). */
export function isH264(data: Uint8Array): boolean {
  return data.length > 4 && data[0] === 0 && data[1] === 0 && (data[2] === 1 || (data[2] === 0 && data[3] === 1));
}

/**
 * The clear prefix of an H.264 frame: up to and including the first slice
 * NAL unit's header (type 1 or 5) and one byte more. A frame without a slice
 * (parameter sets alone) stays clear: it carries no picture.
 */
export function h264ClearBytes(data: Uint8Array): number {
  for (let i = 0; i + 3 < data.length; i++) {
    if (data[i] !== 0 || data[i + 1] !== 0 || data[i + 2] !== 1) continue;
    const type = data[i + 3]! & 0x1f;
    if (type === 1 || type === 5) return Math.min(i + 5, data.length);
    i += 2;
  }
  return data.length;
}

/** Zero bytes at the end of `head`: an escape must count them (a start code could straddle the boundary). */
function trailingZeros(head: Uint8Array): number {
  let n = 0;
  for (let i = head.length - 1; i >= 0 && head[i] === 0 && n < 2; i--) n++;
  return n;
}

/** H.264's emulation prevention: a 03 after two zeros before any byte <= 03, so no start code appears. */
export function escapeRbsp(data: Uint8Array, zerosBefore = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(data.length + Math.ceil(data.length / 2) + 1);
  let n = 0;
  let zeros = zerosBefore;
  for (const b of data) {
    if (zeros >= 2 && b <= 3) {
      out[n++] = 3;
      zeros = 0;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.slice(0, n);
}

export function unescapeRbsp(data: Uint8Array, zerosBefore = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(data.length);
  let n = 0;
  let zeros = zerosBefore;
  for (const b of data) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.slice(0, n);
}

/** Encrypts an H.264 frame, keeping its clear prefix and escaping the rest. */
export async function encryptH264(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const clear = h264ClearBytes(data);
  if (clear >= data.length) return data;
  const sealed = await encryptFrame(key, data, clear);
  const head = sealed.subarray(0, clear);
  const tail = escapeRbsp(sealed.subarray(clear), trailingZeros(head));
  const out = new Uint8Array(clear + tail.length);
  out.set(head, 0);
  out.set(tail, clear);
  return out;
}

/** The plain H.264 frame, or undefined when this key does not open it. */
export async function decryptH264(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const clear = h264ClearBytes(data);
  const head = data.subarray(0, clear);
  const tail = unescapeRbsp(data.subarray(clear), trailingZeros(head));
  const sealed = new Uint8Array(clear + tail.length);
  sealed.set(head, 0);
  sealed.set(tail, clear);
  if (!isMarked(sealed)) return undefined;
  return decryptFrame(key, sealed, clear);
}

export function isMarked(data: Uint8Array<ArrayBuffer>): boolean {
  const n = data.length;
  return n > MARKER.length + IV_BYTES + TAG_BYTES && MARKER.every((b, i) => data[n - MARKER.length + i] === b);
}

export async function encryptFrame(key: CryptoKey, data: Uint8Array<ArrayBuffer>, clear: number): Promise<Uint8Array<ArrayBuffer>> {
  const head = data.subarray(0, Math.min(clear, data.length));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: head }, key, data.subarray(head.length)));
  const out = new Uint8Array(head.length + sealed.length + IV_BYTES + MARKER.length);
  out.set(head, 0);
  out.set(sealed, head.length);
  out.set(iv, head.length + sealed.length);
  out.set(MARKER, head.length + sealed.length + IV_BYTES);
  return out;
}

/** The plain frame, or undefined when this key does not open it. */
export async function decryptFrame(key: CryptoKey, data: Uint8Array<ArrayBuffer>, clear: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const end = data.length - MARKER.length;
  const iv = data.subarray(end - IV_BYTES, end);
  const head = data.subarray(0, Math.min(clear, end - IV_BYTES - TAG_BYTES));
  try {
    const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: head }, key, data.subarray(head.length, end - IV_BYTES)));
    const out = new Uint8Array(head.length + plain.length);
    out.set(head, 0);
    out.set(plain, head.length);
    return out;
  } catch {
    return undefined;
  }
}
