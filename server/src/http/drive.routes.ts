import type { FastifyInstance } from 'fastify';
import { type ByteRange, dispositionName, DriveNotFound, type LocalDrive } from '@parley/platform';
import { sendError } from './errors.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';

/**
 * A `Range: bytes=...` header against an object of `size` bytes: the range
 * (end included), 'unsatisfiable', or null for anything else (the whole
 * object is sent, as RFC 9110 allows). One range only: players ask for one.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // The last N bytes.
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/**
 * GET /drive/<key>?expires=&sig=: the local drive's share links. The
 * signature binds the key and the expiry; without a valid one nothing is
 * served, and nothing says whether the file exists.
 *
 * Recordings play in the browser from their link and seek (Range, 206);
 * chat attachments, which are whatever people upload (HTML, SVG...), are
 * downloaded and never run as a page of our origin. Only live streams, which
 * are public by design, may be read from another origin (a viewer page on a
 * CDN); recordings and attachments may not.
 */
const DriveParams = Type.Object({ '*': Type.String({ maxLength: 1024 }) });
/** A share link's signature and expiry, and the file name a download is saved under. */
const DriveQuery = Type.Object({
  expires: Type.Optional(Type.String({ maxLength: 20 })),
  sig: Type.Optional(Type.String({ maxLength: 200 })),
  download: Type.Optional(Type.String({ maxLength: 200 })),
});

export function registerDriveRoute(parent: FastifyInstance, drive: LocalDrive): void {
  // Routes typed from their schemas: params, bodies and queries need no casts.
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/drive/*', { schema: { params: DriveParams, querystring: DriveQuery } }, async (req, reply) => {
    const key = req.params['*'];
    const q = req.query;
    if (!drive.verifyShare(key, q.expires, q.sig)) return sendError(reply, 'FORBIDDEN', 'this link is invalid or has expired');
    const attachment = key.startsWith('chat/');
    try {
      const head = await drive.head(key);
      if (!head) throw new DriveNotFound(key);
      const range = attachment ? null : parseRange(req.headers.range, head.size);
      if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${head.size}`).send();
      const file = await drive.get(key, range ?? undefined);
      reply
        .header('content-type', file.contentType)
        // A live playlist changes every segment: never cached.
        .header('cache-control', key.endsWith('.m3u8') || key.endsWith('.json') ? 'no-cache' : 'private, max-age=300')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', attachment ? 'attachment' : q.download ? `attachment; filename="${dispositionName(q.download)}"` : 'inline');
      if (attachment) {
        reply.header('content-security-policy', "default-src 'none'; sandbox");
      } else {
        // The browser's own player for a file opened by its link: its media, and the player's styles.
        reply.header('content-security-policy', "default-src 'none'; media-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'");
        reply.header('accept-ranges', 'bytes');
      }
      if (key.startsWith('live/')) reply.header('access-control-allow-origin', '*').header('cross-origin-resource-policy', 'cross-origin');
      if (range) {
        return reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${file.size}`)
          .header('content-length', String(range.end - range.start + 1))
          .send(file.body);
      }
      return reply.header('content-length', String(file.size)).send(file.body);
    } catch (error) {
      if (error instanceof DriveNotFound) return sendError(reply, 'NOT_FOUND', 'this file no longer exists');
      throw error;
    }
  });
}
