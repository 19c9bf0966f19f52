import type { FastifyInstance } from 'fastify';
import { DriveNotFound } from '../drive/Drive.ts';
import type { LocalDrive } from '../drive/LocalDrive.ts';
import { sendError } from './errors.ts';

/**
 * GET /drive/<key>?expires=&sig=: the local drive's share links. The
 * signature binds the key and the expiry; without a valid one nothing is
 * served, and nothing says whether the file exists.
 */
export function registerDriveRoute(app: FastifyInstance, drive: LocalDrive): void {
  app.get('/drive/*', async (req, reply) => {
    const key = (req.params as { '*': string })['*'];
    const q = req.query as { expires?: string; sig?: string };
    if (!drive.verifyShare(key, q.expires, q.sig)) return sendError(reply, 'FORBIDDEN', 'this link is invalid or has expired');
    try {
      const file = await drive.get(key);
      return reply
        .header('content-type', file.contentType)
        .header('content-length', String(file.size))
        // A live playlist changes every segment: never cached.
        .header('cache-control', key.endsWith('.m3u8') || key.endsWith('.json') ? 'no-cache' : 'private, max-age=300')
        // The live viewer page may be served from another origin (a CDN).
        .header('access-control-allow-origin', '*')
        // Chat attachments are whatever people upload (HTML, SVG...): served
        // from our origin they must never run as a page. Downloaded, sandboxed, not sniffed.
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('content-disposition', key.startsWith('chat/') ? 'attachment' : 'inline')
        .send(file.body);
    } catch (error) {
      if (error instanceof DriveNotFound) return sendError(reply, 'NOT_FOUND', 'this file no longer exists');
      throw error;
    }
  });
}
