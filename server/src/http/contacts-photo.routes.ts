// A card's picture over HTTP: served as the bytes it is (its type read from
// them, never SVG), and set or removed by the web's editor. The body is the
// picture itself (any content type: the bytes decide), at most 512 KB.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CONTACT_LIMITS, IdSchema } from '@parley/protocol';
import type { Accounts } from '../accounts/Accounts.ts';
import type { Contacts } from '../suite/contacts/Contacts.ts';
import { InvalidRequest } from '../lib/errors.ts';
import { requireSession, sessionFirst } from './session.ts';

const ContactParams = Type.Object({ contactId: IdSchema }, { additionalProperties: false });

export function registerContactPhotoRoutes(parent: FastifyInstance, deps: { accounts: Accounts; contacts: Contacts }): void {
  parent.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: CONTACT_LIMITS.photoBytes }, (_req, body, done) => done(null, body));
    const { accounts, contacts } = deps;
    const auth = sessionFirst(accounts);
    const me = async (req: Parameters<typeof requireSession>[1]) => (await requireSession(accounts, req)).user.id;

    app.get('/api/contacts/:contactId/photo', { onRequest: auth, schema: { params: ContactParams } }, async (req, reply) => {
      const { mime, bytes } = await contacts.photo(await me(req), req.params.contactId);
      // Shown by an <img> from a blob; opened on its own, it runs nothing.
      return reply.header('content-type', mime).header('cache-control', 'private, no-cache').header('content-security-policy', "default-src 'none'; sandbox").send(bytes);
    });
    app.put('/api/contacts/:contactId/photo', { onRequest: auth, bodyLimit: CONTACT_LIMITS.photoBytes, schema: { params: ContactParams } }, async (req) => {
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new InvalidRequest('send the picture as the request body');
      return { contact: await contacts.setPhoto(await me(req), req.params.contactId, body) };
    });
    app.delete('/api/contacts/:contactId/photo', { onRequest: auth, schema: { params: ContactParams } }, async (req) => ({ contact: await contacts.setPhoto(await me(req), req.params.contactId, null) }));
  });
}
