import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkKey, checkPrefix, contentTypeOf, dispositionName, DriveNotFound, type ByteRange, type Drive, type ShareOptions, type DriveObject, type PutOptions } from './Drive.ts';

export interface S3DriveOptions {
  /** Any S3-compatible endpoint (unset: AWS for the region). */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Bucket in the path (http://host/bucket/key): MinIO, s3rver and most self-hosted stores want it. */
  forcePathStyle: boolean;
  /** Folder inside the bucket for everything Parley writes ("" or ending with "/"). */
  prefix?: string;
}

/**
 * Drive on S3 or any S3-compatible store. Uploads go through lib-storage's
 * Upload, which sends a stream in parts (multipart) as it arrives, so a long
 * recording never has to sit whole in memory; share links are presigned GETs,
 * so viewers fetch from the store directly and audiences scale with it.
 */
export class S3Drive implements Drive {
  readonly kind = 's3' as const;
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(opts: S3DriveOptions) {
    this.#bucket = opts.bucket;
    this.#prefix = checkPrefix(opts.prefix ?? '');
    this.#s3 = new S3Client({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.forcePathStyle,
      ...(opts.accessKeyId && opts.secretAccessKey ? { credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } } : {}),
    });
  }

  #key(key: string): string {
    return this.#prefix + checkKey(key);
  }

  async put(key: string, body: Buffer | string | Readable, opts: PutOptions = {}): Promise<void> {
    const upload = new Upload({
      client: this.#s3,
      params: {
        Bucket: this.#bucket,
        Key: this.#key(key),
        Body: body,
        ContentType: opts.contentType ?? contentTypeOf(key),
        ...(opts.cacheControl ? { CacheControl: opts.cacheControl } : {}),
      },
      // 8 MB parts, two in flight: bounded memory whatever the stream's length.
      partSize: 8 * 1024 * 1024,
      queueSize: 2,
    });
    await upload.done();
  }

  async get(key: string, range?: ByteRange): Promise<{ body: Readable; size: number; contentType: string }> {
    try {
      const res = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
      // A ranged answer's Content-Range ends with the whole size.
      const size = range ? Number(/\/(\d+)$/.exec(res.ContentRange ?? '')?.[1] ?? res.ContentLength ?? 0) : (res.ContentLength ?? 0);
      return { body: res.Body as Readable, size, contentType: res.ContentType ?? contentTypeOf(key) };
    } catch (error) {
      if (notFound(error)) throw new DriveNotFound(key);
      throw error;
    }
  }

  async head(key: string): Promise<DriveObject | null> {
    try {
      const res = await this.#s3.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      return { key, size: res.ContentLength ?? 0, modifiedAt: res.LastModified?.getTime() ?? 0 };
    } catch (error) {
      if (notFound(error)) return null;
      throw error;
    }
  }

  async list(prefix: string): Promise<DriveObject[]> {
    checkPrefix(prefix);
    const out: DriveObject[] = [];
    let token: string | undefined;
    do {
      const res = await this.#s3.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const o of res.Contents ?? []) {
        if (!o.Key) continue;
        out.push({ key: o.Key.slice(this.#prefix.length), size: o.Size ?? 0, modifiedAt: o.LastModified?.getTime() ?? 0 });
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
  }

  async shareUrl(key: string, expiresInSeconds: number, opts: ShareOptions = {}): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.#bucket,
      Key: this.#key(key),
      ...(opts.download ? { ResponseContentDisposition: `attachment; filename="${dispositionName(opts.download)}"` } : {}),
    });
    return getSignedUrl(this.#s3, command, { expiresIn: expiresInSeconds });
  }

  close(): void {
    this.#s3.destroy();
  }
}

function notFound(error: unknown): boolean {
  if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound';
  return false;
}
