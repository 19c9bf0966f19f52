// Account passwords: salted scrypt (N=2^15, r=8, p=1: ~32 MiB and tens of ms
// per check, OWASP's recommended floor), stored with their parameters so they
// can be raised later without breaking existing hashes.
import crypto from 'node:crypto';

const N = 1 << 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    crypto.scrypt(password.normalize('NFC'), salt, KEYLEN, { N: n, r, p, maxmem: MAXMEM }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const got = await scrypt(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return got.length === expected.length && crypto.timingSafeEqual(got, expected);
}

/** Burns the time of a real check, so an unknown login answers as slowly as a wrong password. */
let dummy: string | undefined;
export async function fakeVerify(password: string): Promise<void> {
  dummy ??= await hashPassword('not-a-real-password');
  await verifyPassword(password, dummy);
}
