// HTTP edge of team chat: attachments (uploaded as a raw body, streamed to
// the drive; fetched through short-lived links). Channels and messages speak
// over the /chat Socket.IO namespace (gateway/chat-namespace.ts).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import Type from 'typebox';
import { CHAT_LIMITS, IdSchema } from '@parley/protocol';
import { newId } from '../lib/ids.ts';
import { checkDeclaredLength, limitStream } from '../lib/limit-stream.ts';
import { requireSession, sessionFirst, type SuiteRouteDeps } from './session.ts';
import { InvalidRequest } from '../lib/errors.ts';

const ChannelParams = Type.Object({ channelId: IdSchema }, { additionalProperties: false });
const FileParams = Type.Object({ fileId: IdSchema }, { additionalProperties: false });
const UploadQuery = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

/** A stored file's name: no path, no control characters, bounded. */
const safeFileName = (name: string): string =>
  name
    .replace(/[\\/\x00-\x1f\x7f]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 120) || 'file';

export function registerChatRoutes(parent: FastifyInstance, deps: SuiteRouteDeps): void {
  // Routes typed from their schemas: params, bodies and queries need no casts.
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, chat } = deps;
  const auth = sessionFirst(accounts);

  // Attachments: the raw bytes as the body (any content type), stored in the
  // drive under the channel's folder, then named in a message's fileIds.
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    scope.removeAllContentTypeParsers();
    // The body stays a stream: checked for a session and the channel first, then written to the drive as it comes.
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post('/api/chat/channels/:channelId/files', { onRequest: auth, schema: { params: ChannelParams, querystring: UploadQuery } }, async (req, reply) => {
      const session = await requireSession(accounts, req);
      const { channelId } = req.params;
      const channel = await chat.channel(session.user.id, channelId);
      checkDeclaredLength(req.headers['content-length'], CHAT_LIMITS.fileBytes);
      // The content type parser above hands the request stream through untouched.
      const body: unknown = req.body;
      if (!(body instanceof Readable)) throw new InvalidRequest('send the file as the request body');
      const id = newId();
      const name = safeFileName(req.query.name);
      const mime = String(req.headers['content-type'] ?? 'application/octet-stream').slice(0, 100);
      // The drive key holds only ids and a plain extension: the name people gave stays in the database.
      const ext = /\.[A-Za-z0-9]{1,10}$/.exec(name)?.[0] ?? '';
      const key = `chat/${channel.orgId}/${channelId}/${id}${ext.toLowerCase()}`;
      const { stream, bytes } = limitStream(body, CHAT_LIMITS.fileBytes);
      await deps.drive.put(key, stream, { contentType: mime });
      const size = bytes();
      if (size === 0) {
        await deps.drive.delete(key);
        throw new InvalidRequest('send the file as the request body');
      }
      await chat.attachments.record({ id, orgId: channel.orgId, channelId, uploaderId: session.user.id, name, size, mime, driveKey: key });
      return reply.code(201).send({ file: { id, name, size, mime } });
    });
  });

  /** A short-lived link to an attachment, for members of its channel only. */
  app.get('/api/chat/files/:fileId', { onRequest: auth, schema: { params: FileParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    const file = await chat.attachments.get(session.user.id, req.params.fileId);
    return { url: await deps.drive.shareUrl(file.driveKey, 600), name: file.name, size: file.size, mime: file.mime };
  });
}
