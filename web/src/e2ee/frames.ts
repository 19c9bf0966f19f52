// End-to-end encryption of media frames (AES-GCM, WebCrypto), shared by the
// worker that transforms them. Kept free of DOM types so it runs in a worker.
//
// Frame layout after encryption:
//   [clear header][ciphertext + 16-byte tag][12-byte IV][4-byte marker "PE2E"]
// The clear header is the part the SFU and the packetizer read: the VP8
// payload header (10 bytes of a key frame, 3 of a delta frame: mediasoup
// finds key frames and the picture size there) and the opus TOC byte. It is
// authenticated as additional data, so it cannot be changed either.

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
