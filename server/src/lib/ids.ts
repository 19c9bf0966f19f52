// Ids and token hashes: random ids for rows, and the sha256 a token is stored as.
import crypto from 'node:crypto';

/** A random id (96 bits, URL-safe). */
export const newId = (): string => crypto.randomBytes(12).toString('base64url');
/** How a token is stored and looked up: its sha256, never the token. */
export const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('base64url');
