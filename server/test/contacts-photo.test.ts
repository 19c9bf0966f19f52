// A card's picture over HTTP, on PGlite and on a PostgreSQL server: set as
// its bytes (their type read from them, never a label), served back as they
// are with headers that let nothing run, removed; a device's picture shown;
// what is not a picture, too big, or another person's is refused with
// nothing changed.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { AddressBookView, AuthReply, ContactView } from '@parley/protocol';
import type { Parley } from '../src/app.ts';
import { authed, signup, startChatServerOn, team } from './chat-helpers.ts';
import { DB_KINDS } from './db.ts';
import { appPasswordOf, davRequest } from './dav-helpers.ts';

/** The smallest real PNG (1x1) and GIF, and a JPEG's first bytes: what their readers check. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

for (const kind of DB_KINDS) {
  describe(`contact pictures on ${kind}`, () => {
    let parley: Parley;
    let base: string;
    let owner: AuthReply;
    let reader: AuthReply;
    let book: AddressBookView;
    let card: ContactView;
    beforeAll(async () => {
      parley = await startChatServerOn(kind);
      base = parley.url;
      const t = await team(base, ['rita']);
      [owner, reader] = [t.owner, t.members[0]!];
      book = (await authed<{ books: AddressBookView[] }>(base, owner.token, 'GET', '/api/contacts/books')).body.books[0]!;
      card = (await authed<{ contact: ContactView }>(base, owner.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'Pia', familyName: 'Picture' })).body.contact;
    });
    afterAll(() => parley.close());

    const put = (who: AuthReply | undefined, id: string, body: Buffer, type = 'image/png') =>
      fetch(`${base}/api/contacts/${id}/photo`, { method: 'PUT', headers: { ...(who ? { authorization: `Bearer ${who.token}` } : {}), 'content-type': type }, body });
    const get = (who: AuthReply, id: string) => fetch(`${base}/api/contacts/${id}/photo`, { headers: { authorization: `Bearer ${who.token}` } });

    test('set, served as its bytes with nothing to run, replaced, removed', async () => {
      const set = await put(owner, card.id, PNG, 'application/octet-stream');
      assert.equal(set.status, 200);
      const after = ((await set.json()) as { contact: ContactView }).contact;
      assert.equal(after.hasPhoto, true);
      assert.notEqual(after.etag, card.etag);
      const served = await get(owner, card.id);
      assert.equal(served.status, 200);
      assert.equal(served.headers.get('content-type'), 'image/png');
      assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
      assert.match(served.headers.get('content-security-policy') ?? '', /sandbox/);
      assert.ok(Buffer.from(await served.arrayBuffer()).equals(PNG));
      // The list says it has one, without carrying it.
      const listed = (await authed<{ contacts: ContactView[] }>(base, owner.token, 'GET', `/api/contacts/books/${book.id}/contacts`)).body.contacts.find((c) => c.id === card.id)!;
      assert.equal(listed.hasPhoto, true);
      assert.ok(!JSON.stringify(listed).includes('base64'));
      // Replaced: one picture, the new one (a label saying PNG does not make a GIF one).
      assert.equal((await put(owner, card.id, GIF, 'image/png')).status, 200);
      assert.equal((await get(owner, card.id)).headers.get('content-type'), 'image/gif');
      const removed = await authed<{ contact: ContactView }>(base, owner.token, 'DELETE', `/api/contacts/${card.id}/photo`);
      assert.equal(removed.status, 200);
      assert.equal(removed.body.contact.hasPhoto, undefined);
      assert.equal((await get(owner, card.id)).status, 404);
    });

    test('refused with nothing changed: not a picture, SVG, too big, empty, a reader, a stranger, no session', async () => {
      assert.equal((await put(owner, card.id, PNG)).status, 200);
      const before = (await authed<{ contact: ContactView }>(base, owner.token, 'GET', `/api/contacts/${card.id}`)).body.contact.etag;
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>');
      for (const [body, type] of [
        [svg, 'image/svg+xml'],
        [Buffer.from('<html><script>alert(1)</script></html>'), 'image/png'],
        [Buffer.from([0x89, 0x50, 0x4e]), 'image/png'],
      ] as const) {
        const res = await put(owner, card.id, body, type);
        assert.equal(res.status, 400, type);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'INVALID_PAYLOAD');
      }
      assert.equal((await put(owner, card.id, Buffer.alloc(0))).status, 400);
      assert.equal((await put(owner, card.id, Buffer.concat([PNG, Buffer.alloc(600 * 1024)]))).status, 413);
      assert.equal((await put(undefined, card.id, PNG)).status, 401);
      const stranger = await signup(base, 'stan', { orgName: 'Elsewhere' });
      assert.equal((await put(stranger, card.id, GIF)).status, 404);
      assert.equal((await get(stranger, card.id)).status, 404);
      assert.equal((await authed(base, stranger.token, 'DELETE', `/api/contacts/${card.id}/photo`)).status, 404);
      // Shared to read: seen, not changed.
      assert.equal((await authed(base, owner.token, 'PUT', `/api/contacts/books/${book.id}/shares`, { userId: reader.user.id, access: 'read' })).status, 200);
      assert.equal((await get(reader, card.id)).status, 200);
      assert.equal((await put(reader, card.id, GIF)).status, 403);
      assert.equal((await authed(base, reader.token, 'DELETE', `/api/contacts/${card.id}/photo`)).status, 403);
      const after = await get(owner, card.id);
      assert.equal(after.headers.get('content-type'), 'image/png');
      assert.equal((await authed<{ contact: ContactView }>(base, owner.token, 'GET', `/api/contacts/${card.id}`)).body.contact.etag, before);
    });

    test('a device’s picture is shown; one whose bytes are not what its label says is not served', async () => {
      const auth = await appPasswordOf(base, owner);
      const send = async (name: string, photo: string) =>
        (await davRequest(base, 'PUT', `/dav/addressbooks/${owner.user.id}/${book.id}/${name}.vcf`, auth, `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${name}\r\nFN:${name}\r\nPHOTO;ENCODING=b;TYPE=${photo}\r\nEND:VCARD\r\n`, { 'content-type': 'text/vcard' })).status;
      assert.equal(await send('honest', `PNG:${PNG.toString('base64')}`), 201);
      assert.equal(await send('liar', `PNG:${Buffer.from('<script>alert(1)</script>').toString('base64')}`), 201);
      const list = (await authed<{ contacts: ContactView[] }>(base, owner.token, 'GET', `/api/contacts/books/${book.id}/contacts`)).body.contacts;
      const honest = list.find((c) => c.uid === 'honest')!;
      const liar = list.find((c) => c.uid === 'liar')!;
      const served = await get(owner, honest.id);
      assert.equal(served.headers.get('content-type'), 'image/png');
      assert.ok(Buffer.from(await served.arrayBuffer()).equals(PNG));
      assert.equal((await get(owner, liar.id)).status, 404);
    });
  });
}
