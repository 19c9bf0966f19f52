// Address books shared with colleagues, and cards copied and moved between
// books, on PGlite and on a PostgreSQL server, over HTTP and CardDAV: a
// reader sees the book and its cards (and finds them by search) but changes
// nothing; a writer changes cards but not the book; only the owner renames,
// deletes and shares it, with colleagues only; one the book was never shared
// with, or no longer is, finds nothing; bad bodies are refused.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { AddressBookShareView, AddressBookView, AuthReply, ChatStateReply, ContactView } from '@parley/protocol';
import type { Parley } from '../src/app.ts';
import { authed, chatSocket, invited, must, signup, startChatServerOn, team } from './chat-helpers.ts';
import { DB_KINDS } from './db.ts';
import { appPasswordOf, davRequest as dav } from './dav-helpers.ts';

type Err = { error?: { code: string } };

for (const kind of DB_KINDS) {
  describe(`shared address books on ${kind}`, () => {
    let parley: Parley;
    let base: string;
    let owner: AuthReply;
    let reader: AuthReply;
    let writer: AuthReply;
    let guest: AuthReply;
    let stranger: AuthReply;
    let book: AddressBookView;
    let card: ContactView;
    let orgId: string;
    beforeAll(async () => {
      parley = await startChatServerOn(kind);
      base = parley.url;
      const t = await team(base, ['rita', 'walt']);
      [owner, reader, writer, orgId] = [t.owner, t.members[0]!, t.members[1]!, t.orgId];
      const socket = await chatSocket(base, owner.token);
      const general = (await must<ChatStateReply>(socket, 'chat:state', {})).channels.find((c) => c.name === 'general')!;
      socket.close();
      guest = await invited(base, owner.token, t.orgId, 'gus', { role: 'external', channelIds: [general.id] });
      stranger = await signup(base, 'stan', { orgName: 'Elsewhere' });
      book = (await authed<{ book: AddressBookView }>(base, owner.token, 'POST', '/api/contacts/books', { name: 'Suppliers' })).body.book;
      card = (await authed<{ contact: ContactView }>(base, owner.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'Sara', familyName: 'Supplier', emails: [{ value: 'sara@supply.example' }] })).body.contact;
    });
    afterAll(() => parley.close());

    const share = (who: AuthReply, userId: string, access: string, bookId = book.id) => authed<Err>(base, who.token, 'PUT', `/api/contacts/books/${bookId}/shares`, { userId, access });
    const books = async (who: AuthReply) => (await authed<{ books: AddressBookView[] }>(base, who.token, 'GET', '/api/contacts/books')).body.books;
    const code = async (p: Promise<{ status: number; body: Err }>) => {
      const res = await p;
      return [res.status, res.body.error?.code];
    };

    test('a reader sees the book, its cards and finds them; changes nothing, over HTTP or CardDAV', async () => {
      assert.equal((await share(owner, reader.user.id, 'read')).status, 200);
      const seen = (await books(reader)).find((b) => b.id === book.id);
      assert.deepEqual(seen && { access: seen.access, ownerName: seen.ownerName, count: seen.count }, { access: 'read', ownerName: owner.user.name, count: 1 });
      // Her own book is made and comes first; the shared one after it.
      assert.equal((await books(reader))[0]!.access, 'owner');
      const list = await authed<{ contacts: ContactView[] }>(base, reader.token, 'GET', `/api/contacts/books/${book.id}/contacts`);
      assert.deepEqual(list.body.contacts.map((c) => c.displayName), ['Sara Supplier']);
      assert.equal((await authed<{ contact: ContactView }>(base, reader.token, 'GET', `/api/contacts/${card.id}`)).body.contact.displayName, 'Sara Supplier');
      assert.deepEqual((await authed<{ contacts: ContactView[] }>(base, reader.token, 'GET', '/api/contacts/search?q=supplier')).body.contacts.map((c) => c.id), [card.id]);
      assert.equal((await authed(base, reader.token, 'GET', `/api/contacts/books/${book.id}/export`)).status, 200);

      for (const [what, p] of [
        ['create', authed<Err>(base, reader.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'No' })],
        ['update', authed<Err>(base, reader.token, 'PUT', `/api/contacts/${card.id}`, { givenName: 'Changed' })],
        ['delete', authed<Err>(base, reader.token, 'DELETE', `/api/contacts/${card.id}`)],
        ['rename', authed<Err>(base, reader.token, 'PATCH', `/api/contacts/books/${book.id}`, { name: 'Mine now' })],
        ['delete the book', authed<Err>(base, reader.token, 'DELETE', `/api/contacts/books/${book.id}`)],
        ['delete a group', authed<Err>(base, reader.token, 'DELETE', `/api/contacts/books/${book.id}/groups?name=x`)],
        ['share on', share(reader, writer.user.id, 'write')],
        ['list shares', authed<Err>(base, reader.token, 'GET', `/api/contacts/books/${book.id}/shares`)],
      ] as const) {
        assert.deepEqual(await code(p), [403, 'FORBIDDEN'], what);
      }
      const imported = await fetch(`${base}/api/contacts/books/${book.id}/import?format=vcard`, {
        method: 'POST',
        headers: { authorization: `Bearer ${reader.token}`, 'content-type': 'text/vcard' },
        body: 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Imp Orted\r\nEND:VCARD\r\n',
      });
      assert.equal(imported.status, 403);
      // Nothing changed.
      assert.equal((await authed<{ contact: ContactView }>(base, owner.token, 'GET', `/api/contacts/${card.id}`)).body.contact.displayName, 'Sara Supplier');
      assert.equal((await books(owner)).find((b) => b.id === book.id)!.name, 'Suppliers');

      // Her phone lists the book read-only, reads the card, and cannot write one.
      const auth = await appPasswordOf(base, reader);
      const home = await dav(base, 'PROPFIND', `/dav/addressbooks/${reader.user.id}/`, auth, '<propfind xmlns="DAV:"><prop><displayname/><current-user-privilege-set/></prop></propfind>', { depth: '1', 'content-type': 'application/xml' });
      assert.equal(home.status, 207);
      const response = home.text.split('<d:response>').find((r) => r.includes(`/${book.id}/`))!;
      assert.ok(response.includes('Suppliers') && response.includes('<d:read/>') && !response.includes('<d:write/>'), response);
      assert.equal((await dav(base, 'PUT', `/dav/addressbooks/${reader.user.id}/${book.id}/new.vcf`, auth, 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:new\r\nFN:New One\r\nEND:VCARD\r\n', { 'content-type': 'text/vcard' })).status, 403);
      const got = await dav(base, 'GET', `/dav/addressbooks/${reader.user.id}/${book.id}/${card.id}.vcf`, auth);
      assert.equal(got.status, 200);
      assert.match(got.text, /FN:Sara Supplier/);
    });

    test('a writer changes cards, imports, deletes and restores; the book itself stays its owner’s', async () => {
      assert.equal((await share(owner, writer.user.id, 'write')).status, 200);
      assert.equal((await books(writer)).find((b) => b.id === book.id)?.access, 'write');
      const made = await authed<{ contact: ContactView }>(base, writer.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'Walter', familyName: 'Added' });
      assert.equal(made.status, 201);
      assert.equal((await authed(base, writer.token, 'PUT', `/api/contacts/${card.id}`, { givenName: 'Sara', familyName: 'Supplier', title: 'Sales' })).status, 200);
      assert.equal((await authed(base, writer.token, 'DELETE', `/api/contacts/${made.body.contact.id}`)).status, 200);
      assert.equal((await authed(base, writer.token, 'POST', `/api/contacts/${made.body.contact.id}/restore`)).status, 200);
      const imported = await fetch(`${base}/api/contacts/books/${book.id}/import?format=vcard`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer.token}`, 'content-type': 'text/vcard' },
        body: 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Imp Orted\r\nEMAIL:imp@example.org\r\nEND:VCARD\r\n',
      });
      assert.equal(imported.status, 201, await imported.clone().text());
      const names = (await authed<{ contacts: ContactView[] }>(base, owner.token, 'GET', `/api/contacts/books/${book.id}/contacts`)).body.contacts.map((c) => c.displayName);
      assert.deepEqual(names, ['Imp Orted', 'Sara Supplier', 'Walter Added']);
      for (const p of [authed<Err>(base, writer.token, 'PATCH', `/api/contacts/books/${book.id}`, { name: 'Ours' }), authed<Err>(base, writer.token, 'DELETE', `/api/contacts/books/${book.id}`), share(writer, reader.user.id, 'write')]) {
        assert.deepEqual(await code(p), [403, 'FORBIDDEN']);
      }
      const shares = (await authed<{ shares: AddressBookShareView[] }>(base, owner.token, 'GET', `/api/contacts/books/${book.id}/shares`)).body.shares;
      assert.deepEqual(shares.map((s) => [s.userId, s.access]).sort(), [[reader.user.id, 'read'], [writer.user.id, 'write']].sort());
    });

    test('copy and move between books: fields and a device’s properties go along; a copy gets its own UID, a move keeps it and leaves a trace in the trash; rights are checked on both books', async () => {
      const mine = (await authed<{ book: AddressBookView }>(base, owner.token, 'POST', '/api/contacts/books', { name: 'Private' })).body.book;
      const auth = await appPasswordOf(base, owner);
      const vcard = 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:moving-1\r\nFN:Mo Ving\r\nN:Ving;Mo;;;\r\nEMAIL:mo@example.org\r\nNICKNAME:Momo\r\nEND:VCARD\r\n';
      assert.equal((await dav(base, 'PUT', `/dav/addressbooks/${owner.user.id}/${mine.id}/mo.vcf`, auth, vcard, { 'content-type': 'text/vcard' })).status, 201);
      const mo = (await authed<{ contacts: ContactView[] }>(base, owner.token, 'GET', `/api/contacts/books/${mine.id}/contacts`)).body.contacts[0]!;

      const copied = await authed<{ contact: ContactView }>(base, owner.token, 'POST', `/api/contacts/${mo.id}/copy`, { bookId: book.id });
      assert.equal(copied.status, 201);
      assert.equal(copied.body.contact.bookId, book.id);
      assert.notEqual(copied.body.contact.uid, mo.uid);
      assert.deepEqual(copied.body.contact.emails, mo.emails);
      const fetched = await dav(base, 'GET', `/dav/addressbooks/${owner.user.id}/${book.id}/${copied.body.contact.id}.vcf`, auth);
      assert.match(fetched.text, /NICKNAME:Momo/, 'what Parley does not edit goes along');

      const moved = await authed<{ contact: ContactView }>(base, owner.token, 'POST', `/api/contacts/${mo.id}/copy`, { bookId: book.id, move: true });
      assert.equal(moved.status, 201);
      assert.equal(moved.body.contact.uid, mo.uid, 'a move keeps the UID');
      assert.deepEqual((await authed<{ contacts: ContactView[] }>(base, owner.token, 'GET', `/api/contacts/books/${mine.id}/contacts`)).body.contacts, []);
      assert.deepEqual((await authed<{ contacts: ContactView[] }>(base, owner.token, 'GET', `/api/contacts/books/${mine.id}/trash`)).body.contacts.map((c) => c.id), [mo.id]);
      // Moving it back: the UID is free in the first book again (its old card is in the trash).
      const back = await authed<{ contact: ContactView }>(base, owner.token, 'POST', `/api/contacts/${moved.body.contact.id}/copy`, { bookId: mine.id, move: true });
      assert.equal(back.status, 201);
      assert.equal(back.body.contact.uid, mo.uid);

      // Same book, gone card, a book one may not write, another person's book: refused, nothing made.
      const count = async (id: string) => (await authed<{ contacts: ContactView[] }>(base, owner.token, 'GET', `/api/contacts/books/${id}/contacts`)).body.contacts.length;
      const before = [await count(book.id), await count(mine.id)];
      assert.deepEqual(await code(authed<Err>(base, owner.token, 'POST', `/api/contacts/${back.body.contact.id}/copy`, { bookId: mine.id })), [400, 'INVALID_PAYLOAD']);
      assert.deepEqual(await code(authed<Err>(base, owner.token, 'POST', `/api/contacts/${mo.id}/copy`, { bookId: book.id })), [404, 'CONTACT_NOT_FOUND']);
      const readerOwn = (await books(reader)).find((b) => b.access === 'owner')!;
      assert.deepEqual(await code(authed<Err>(base, owner.token, 'POST', `/api/contacts/${back.body.contact.id}/copy`, { bookId: readerOwn.id })), [404, 'ADDRESS_BOOK_NOT_FOUND']);
      // The reader (book shared to read) may copy out of it into her own book, not move out of it nor copy into it.
      assert.equal((await share(owner, reader.user.id, 'read')).status, 200);
      const out = await authed<{ contact: ContactView }>(base, reader.token, 'POST', `/api/contacts/${card.id}/copy`, { bookId: readerOwn.id });
      assert.equal(out.status, 201);
      assert.deepEqual(await code(authed<Err>(base, reader.token, 'POST', `/api/contacts/${card.id}/copy`, { bookId: readerOwn.id, move: true })), [403, 'FORBIDDEN']);
      assert.deepEqual(await code(authed<Err>(base, reader.token, 'POST', `/api/contacts/${out.body.contact.id}/copy`, { bookId: book.id })), [403, 'FORBIDDEN']);
      assert.deepEqual(await code(authed<Err>(base, stranger.token, 'POST', `/api/contacts/${card.id}/copy`, { bookId: book.id })), [404, 'CONTACT_NOT_FOUND']);
      for (const body of [{}, { bookId: book.id, move: 'yes' }, { bookId: book.id, extra: true }, { bookId: '' }]) {
        assert.equal((await authed(base, owner.token, 'POST', `/api/contacts/${back.body.contact.id}/copy`, body)).status, 400, JSON.stringify(body));
      }
      assert.equal((await authed(base, '', 'POST', `/api/contacts/${back.body.contact.id}/copy`, { bookId: book.id })).status, 401);
      assert.deepEqual([await count(book.id), await count(mine.id)], before, 'nothing made by the refusals');
    });

    test('shared with colleagues only; one it is not shared with, or no longer, finds nothing; bad bodies refused', async () => {
      assert.deepEqual(await code(share(owner, stranger.user.id, 'read')), [404, 'USER_NOT_FOUND']);
      assert.deepEqual(await code(share(owner, guest.user.id, 'read')), [404, 'USER_NOT_FOUND']);
      assert.deepEqual(await code(share(owner, owner.user.id, 'read')), [400, 'INVALID_PAYLOAD']);
      assert.deepEqual(await code(share(owner, 'no-such-user', 'read')), [404, 'USER_NOT_FOUND']);
      for (const body of [{ userId: reader.user.id, access: 'admin' }, { access: 'read' }, { userId: reader.user.id, access: 'read', extra: 1 }, { userId: '../x', access: 'read' }, { userId: 'x'.repeat(5000), access: 'read' }]) {
        assert.equal((await authed(base, owner.token, 'PUT', `/api/contacts/books/${book.id}/shares`, body)).status, 400, JSON.stringify(body).slice(0, 80));
      }
      assert.equal((await authed(base, '', 'PUT', `/api/contacts/books/${book.id}/shares`, { userId: reader.user.id, access: 'read' })).status, 401);
      // Strangers to the book: nothing of it, whatever they ask.
      for (const who of [stranger, guest]) {
        assert.deepEqual(await code(authed<Err>(base, who.token, 'GET', `/api/contacts/books/${book.id}/contacts`)), [404, 'ADDRESS_BOOK_NOT_FOUND']);
        assert.deepEqual(await code(authed<Err>(base, who.token, 'GET', `/api/contacts/books/${book.id}/shares`)), [404, 'ADDRESS_BOOK_NOT_FOUND']);
        assert.deepEqual(await code(authed<Err>(base, who.token, 'PUT', `/api/contacts/books/${book.id}/shares`, { userId: who.user.id, access: 'write' })), [404, 'ADDRESS_BOOK_NOT_FOUND']);
        assert.deepEqual(await code(authed<Err>(base, who.token, 'GET', `/api/contacts/${card.id}`)), [404, 'CONTACT_NOT_FOUND']);
        assert.deepEqual((await authed<{ contacts: ContactView[] }>(base, who.token, 'GET', '/api/contacts/search?q=supplier')).body.contacts, []);
      }
      // Taken back: the reader no longer has it.
      assert.equal((await share(owner, reader.user.id, 'none')).status, 200);
      assert.ok(!(await books(reader)).some((b) => b.id === book.id));
      assert.deepEqual(await code(authed<Err>(base, reader.token, 'GET', `/api/contacts/books/${book.id}/contacts`)), [404, 'ADDRESS_BOOK_NOT_FOUND']);
      assert.deepEqual(await code(authed<Err>(base, reader.token, 'GET', `/api/contacts/${card.id}`)), [404, 'CONTACT_NOT_FOUND']);
      // One who leaves the organization is no colleague: what was shared with them ends.
      assert.equal((await authed(base, owner.token, 'DELETE', `/api/orgs/${orgId}/members/${writer.user.id}`)).status, 200);
      for (let tries = 0; (await books(writer)).some((b) => b.id === book.id); tries++) {
        assert.ok(tries < 100, 'the writer still has the book after leaving');
        await new Promise((r) => setTimeout(r, 50));
      }
      // Taking back a share from one who is no colleague any more still works.
      assert.equal((await share(owner, stranger.user.id, 'none')).status, 200);
      // Deleted by its owner: gone for the writer too.
      assert.equal((await authed(base, owner.token, 'DELETE', `/api/contacts/books/${book.id}`)).status, 200);
      assert.ok(!(await books(writer)).some((b) => b.id === book.id));
    });
  });
}
