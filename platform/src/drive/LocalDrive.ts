import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkKey, checkPrefix, contentTypeOf, dispositionName, DriveNotFound, type ByteRange, type Drive, type DriveObject, type PutOptions, type ShareOptions } from './Drive.ts';

/**
 * The default drive: a folder (./data/drive). Writes go to a temporary file
 * renamed into place, so a reader never sees half a file and a crash leaves
 * no torn object. Share links are HMAC-signed and expire; the server checks
 * them (`verifyShare`) before serving the file.
 */
export class LocalDrive implements Drive {
  readonly kind = 'local' as const;
  readonly #root: string;
  readonly #secret: string;
  readonly #baseUrl: () => string;

  /** `baseUrl`: where this server is reached (a function: with PORT=0 it is known only once listening). */
  constructor(opts: { root: string; secret: string; baseUrl: string | (() => string) }) {
    this.#root = path.resolve(opts.root);
    this.#secret = opts.secret;
    const base = opts.baseUrl;
    this.#baseUrl = () => (typeof base === 'string' ? base : base()).replace(/\/+$/, '');
  }

  #path(key: string): string {
    return path.join(this.#root, ...checkKey(key).split('/'));
  }

  async put(key: string, body: Buffer | string | Readable, _opts: PutOptions = {}): Promise<void> {
    const file = this.#path(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.part`);
    try {
      const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body;
      await pipeline(source, fs.createWriteStream(tmp));
      await fs.promises.rename(tmp, file);
    } catch (error) {
      await fs.promises.rm(tmp, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<{ body: Readable; size: number; contentType: string }> {
    const file = this.#path(key);
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') throw new DriveNotFound(key);
      throw error;
    }
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw new DriveNotFound(key);
    }
    return { body: handle.createReadStream(range ? { start: range.start, end: range.end } : {}), size: stat.size, contentType: contentTypeOf(key) };
  }

  async head(key: string): Promise<DriveObject | null> {
    try {
      const stat = await fs.promises.stat(this.#path(key));
      return stat.isFile() ? { key, size: stat.size, modifiedAt: stat.mtimeMs } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async list(prefix: string): Promise<DriveObject[]> {
    checkPrefix(prefix);
    const out: DriveObject[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const e of entries) {
        // Temporary files of writes in progress are not objects yet.
        if (e.name.startsWith('.')) continue;
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full, `${keyPrefix}${e.name}/`);
        else if (e.isFile()) {
          const stat = await fs.promises.stat(full).catch(() => null);
          if (stat) out.push({ key: `${keyPrefix}${e.name}`, size: stat.size, modifiedAt: stat.mtimeMs });
        }
      }
    };
    await walk(prefix === '' ? this.#root : path.join(this.#root, ...prefix.slice(0, -1).split('/')), prefix);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.#path(key), { force: true });
  }

  async shareUrl(key: string, expiresInSeconds: number, opts: ShareOptions = {}): Promise<string> {
    checkKey(key);
    const expires = Math.floor(Date.now() / 1000) + expiresInSeconds;
    // The download name is not signed: it only changes how the same bytes are offered.
    const download = opts.download ? `&download=${encodeURIComponent(dispositionName(opts.download))}` : '';
    return `${this.#baseUrl()}/drive/${key}?expires=${expires}&sig=${this.#sign(key, expires)}${download}`;
  }

  /** Whether a share link's signature is this drive's and has not expired. */
  verifyShare(key: string, expires: string | undefined, sig: string | undefined, now = Date.now()): boolean {
    if (!expires || !sig || !/^\d{1,12}$/.test(expires) || Number(expires) * 1000 < now) return false;
    try {
      checkKey(key);
    } catch {
      return false;
    }
    const want = Buffer.from(this.#sign(key, Number(expires)));
    const got = Buffer.from(sig);
    return want.length === got.length && crypto.timingSafeEqual(want, got);
  }

  #sign(key: string, expires: number): string {
    return crypto.createHmac('sha256', this.#secret).update(`drive\n${key}\n${expires}`).digest('base64url');
  }
}
