// Drive storage: where recordings and live-stream segments go. One interface,
// two real implementations (a local folder, S3), both held to the same
// contract tests (server/test/drive.test.ts). Keys are relative paths made
// of safe segments, so no key can leave its folder or its bucket prefix.
import type { Readable } from 'node:stream';
import { DomainError } from '@parley/protocol';

export interface DriveObject {
  key: string;
  size: number;
  /** Epoch ms of the last write. */
  modifiedAt: number;
}

export interface ShareOptions {
  /** Served as a download under this file name (else shown in the browser when it can). */
  download?: string;
}

/** A file name safe in a Content-Disposition header: plain characters only. */
export const dispositionName = (name: string): string => name.replace(/[^A-Za-z0-9._ -]+/g, '_').slice(0, 100) || 'file';

/** Bytes `start` to `end`, both included. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutOptions {
  contentType?: string;
  /** Sent back to readers (HLS playlists must not be cached, segments may be). */
  cacheControl?: string;
}

export interface Drive {
  readonly kind: 'local' | 's3';
  /** Writes a whole object; readers never see half of it. A stream is uploaded in parts as it comes. */
  put(key: string, body: Buffer | string | Readable, opts?: PutOptions): Promise<void>;
  /**
   * The object's bytes (those from `range.start` to `range.end` inclusive,
   * when given: a player seeking); `size` is always the whole object's.
   * DriveNotFound when there is none.
   */
  get(key: string, range?: ByteRange): Promise<{ body: Readable; size: number; contentType: string }>;
  head(key: string): Promise<DriveObject | null>;
  /** Every object under `prefix` (a folder, ending with "/"), sorted by key. */
  list(prefix: string): Promise<DriveObject[]>;
  /** Removes the object; removing what is not there is not an error. */
  delete(key: string): Promise<void>;
  /** A URL anyone holding it may GET the object from until it expires (presigned for S3, signed for the local store). */
  shareUrl(key: string, expiresInSeconds: number, opts?: ShareOptions): Promise<string>;
}

export class DriveNotFound extends DomainError {
  constructor(key: string) {
    super('NOT_FOUND', `no file ${key}`);
  }
}

export class BadDriveKey extends DomainError {
  constructor(key: string) {
    super('INVALID_PAYLOAD', `not a valid drive key: ${JSON.stringify(key.slice(0, 80))}`);
  }
}

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** Throws unless `key` is "a/b/c.ext": safe segments, no "..", no leading or trailing "/". */
export function checkKey(key: string): string {
  if (key.length === 0 || key.length > 512) throw new BadDriveKey(key);
  for (const segment of key.split('/')) {
    if (!SEGMENT.test(segment) || segment.includes('..')) throw new BadDriveKey(key);
  }
  return key;
}

/** A folder prefix: "" (everything) or safe segments ending with "/". */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  if (!prefix.endsWith('/')) throw new BadDriveKey(prefix);
  checkKey(prefix.slice(0, -1));
  return prefix;
}

const TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(key: string): string {
  const dot = key.lastIndexOf('.');
  return (dot >= 0 && TYPES[key.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

/** A small JSON file of the drive (a status, a manifest), or null when it is missing or unreadable. */
export async function readDriveJson<T>(drive: Drive, key: string): Promise<T | null> {
  try {
    const file = await drive.get(key);
    const chunks: Buffer[] = [];
    for await (const c of file.body) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  } catch {
    return null;
  }
}
