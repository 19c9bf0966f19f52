// HTTP edge of contacts: address books, their cards, the trash, search and
// the vCard export. Every route needs a session token; permissions are
// Contacts'.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AddressBookBody, ContactBody, ContactSearchQuery, CopyContactBody, DeleteGroupQuery, IdSchema, MergeContactsBody, ShareAddressBookBody } from '@parley/protocol';
import type { Accounts } from '../accounts/Accounts.ts';
import type { Contacts } from '../suite/contacts/Contacts.ts';
import { requireSession, sessionFirst } from './session.ts';

const BookParams = Type.Object({ bookId: IdSchema }, { additionalProperties: false });
const ContactParams = Type.Object({ contactId: IdSchema }, { additionalProperties: false });

export function registerContactRoutes(parent: FastifyInstance, deps: { accounts: Accounts; contacts: Contacts }): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, contacts } = deps;
  const me = async (req: Parameters<typeof requireSession>[1]) => (await requireSession(accounts, req)).user.id;
  const auth = sessionFirst(accounts);

  app.get('/api/contacts/books', { onRequest: auth }, async (req) => ({ books: await contacts.books(await me(req)) }));
  app.post('/api/contacts/books', { onRequest: auth, schema: { body: AddressBookBody } }, async (req, reply) =>
    reply.code(201).send({ book: await contacts.createBook(await me(req), req.body.name) }),
  );
  app.patch('/api/contacts/books/:bookId', { onRequest: auth, schema: { params: BookParams, body: AddressBookBody } }, async (req) => ({
    book: await contacts.renameBook(await me(req), req.params.bookId, req.body.name),
  }));
  app.delete('/api/contacts/books/:bookId', { onRequest: auth, schema: { params: BookParams } }, async (req) => {
    await contacts.deleteBook(await me(req), req.params.bookId);
    return { ok: true };
  });
  app.get('/api/contacts/books/:bookId/shares', { onRequest: auth, schema: { params: BookParams } }, async (req) => ({ shares: await contacts.shares(await me(req), req.params.bookId) }));
  app.put('/api/contacts/books/:bookId/shares', { onRequest: auth, schema: { params: BookParams, body: ShareAddressBookBody } }, async (req) => {
    await contacts.share(await me(req), req.params.bookId, req.body.userId, req.body.access);
    return { ok: true };
  });
  app.get('/api/contacts/books/:bookId/duplicates', { onRequest: auth, schema: { params: BookParams } }, async (req) => ({ groups: await contacts.duplicates(await me(req), req.params.bookId) }));
  app.get('/api/contacts/duplicates', { onRequest: auth }, async (req) => ({ groups: await contacts.duplicates(await me(req)) }));
  app.post('/api/contacts/merge', { onRequest: auth, schema: { body: MergeContactsBody } }, async (req) => ({ contact: await contacts.merge(await me(req), req.body.contactIds) }));
  app.post('/api/contacts/books/:bookId/merge', { onRequest: auth, schema: { params: BookParams, body: MergeContactsBody } }, async (req) => ({
    contact: await contacts.merge(await me(req), req.body.contactIds, req.params.bookId),
  }));
  app.get('/api/contacts/books/:bookId/contacts', { onRequest: auth, schema: { params: BookParams } }, async (req) => ({ contacts: await contacts.contacts(await me(req), req.params.bookId) }));
  app.get('/api/contacts/books/:bookId/trash', { onRequest: auth, schema: { params: BookParams } }, async (req) => ({ contacts: await contacts.trash(await me(req), req.params.bookId) }));
  app.post('/api/contacts/books/:bookId/contacts', { onRequest: auth, schema: { params: BookParams, body: ContactBody } }, async (req, reply) =>
    reply.code(201).send({ contact: await contacts.create(await me(req), req.params.bookId, req.body) }),
  );
  app.get('/api/contacts/books/:bookId/export', { onRequest: auth, schema: { params: BookParams } }, async (req, reply) => {
    const { name, text } = await contacts.exportVcard(await me(req), req.params.bookId);
    // An ASCII name for old clients, the book's own (accents and all) for the others (RFC 6266).
    const ascii = `${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'contacts'}.vcf`;
    const disposition = `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(`${name.slice(0, 60)}.vcf`)}`;
    return reply.header('content-type', 'text/vcard; charset=utf-8').header('content-disposition', disposition).send(text);
  });
  app.delete('/api/contacts/books/:bookId/groups', { onRequest: auth, schema: { params: BookParams, querystring: DeleteGroupQuery } }, async (req) =>
    contacts.deleteGroup(await me(req), req.params.bookId, req.query.name, req.query.contacts === 'delete'),
  );
  app.get('/api/contacts/search', { onRequest: auth, schema: { querystring: ContactSearchQuery } }, async (req) => ({ contacts: await contacts.search(await me(req), req.query.q) }));
  app.get('/api/contacts/:contactId', { onRequest: auth, schema: { params: ContactParams } }, async (req) => ({ contact: await contacts.contact(await me(req), req.params.contactId) }));
  app.put('/api/contacts/:contactId', { onRequest: auth, schema: { params: ContactParams, body: ContactBody } }, async (req) => ({
    contact: await contacts.update(await me(req), req.params.contactId, req.body),
  }));
  app.delete('/api/contacts/:contactId', { onRequest: auth, schema: { params: ContactParams } }, async (req) => {
    await contacts.remove(await me(req), req.params.contactId);
    return { ok: true };
  });
  app.post('/api/contacts/:contactId/copy', { onRequest: auth, schema: { params: ContactParams, body: CopyContactBody } }, async (req, reply) =>
    reply.code(201).send({ contact: await contacts.copy(await me(req), req.params.contactId, req.body.bookId, req.body.move ?? false) }),
  );
  app.post('/api/contacts/:contactId/restore', { onRequest: auth, schema: { params: ContactParams } }, async (req) => ({ contact: await contacts.restore(await me(req), req.params.contactId) }));
}
