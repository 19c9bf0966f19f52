// Duplicates found and merged: the grouping rules on their own (an e-mail
// address, a phone number written two ways, a name with and without its
// accents, a chain of cards linked through others, and what is not a
// duplicate), the merged card's fields, then the routes on PGlite and on a
// PostgreSQL server: a device keeps the card it had, the others wait in the
// trash, and what may not be merged is refused with nothing changed.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { AddressBookView, AuthReply, ContactCard, ContactView, DuplicateGroupView } from '@parley/protocol';
import type { Parley } from '../src/app.ts';
import { duplicateGroups, mergeCards } from '../src/suite/contacts/duplicates.ts';
import { authed, signup, startChatServerOn, team } from './chat-helpers.ts';
import { DB_KINDS } from './db.ts';
import { appPasswordOf, davRequest } from './dav-helpers.ts';

const card = (p: Partial<ContactCard>): ContactCard => ({ emails: [], phones: [], addresses: [], groups: [], ...p });
const now = () => Promise.resolve();

describe('what counts as a duplicate', () => {
  test('an e-mail address, a number written two ways, a name without its accents; chains join; the rest stays apart', async () => {
    const groups = await duplicateGroups(
      [
        { id: 'a', name: 'Jürgen Müller', card: card({ emails: [{ value: 'J.Mueller@Acme.example' }] }) },
        { id: 'b', name: 'J. Mueller', card: card({ emails: [{ value: 'j.mueller@acme.example' }], phones: [{ value: '+41 79 123 45 67' }] }) },
        { id: 'c', name: 'Juergen (mobile)', card: card({ phones: [{ value: '079 123 45 67' }] }) },
        { id: 'd', name: 'Anna Bianchi', card: card({ emails: [{ value: 'anna@example.org' }] }) },
        { id: 'e', name: 'anna  bianchi', card: card({}) },
        { id: 'f', name: 'Pablo', card: card({ phones: [{ value: '12' }] }) },
        { id: 'g', name: 'Pedro', card: card({ phones: [{ value: '12' }] }) },
        { id: 'h', name: 'info@shop.example', card: card({ emails: [{ value: 'info@shop.example' }] }) },
        { id: 'i', name: 'Shop', card: card({ emails: [{ value: 'sales@shop.example' }] }) },
      ],
      200,
      now,
    );
    assert.deepEqual(groups, [
      { ids: ['a', 'b', 'c'], reasons: ['email', 'phone'] },
      { ids: ['d', 'e'], reasons: ['name'] },
    ]);
    // The same card twice (an import run twice): found, with all it shares; a number named twice on one card links nothing.
    const twice = await duplicateGroups(
      [
        { id: 'a', name: 'Lea Keller', card: card({ emails: [{ value: 'lea@example.org' }], phones: [{ value: '+41 44 111 22 33' }] }) },
        { id: 'b', name: 'Lea Keller', card: card({ emails: [{ value: 'lea@example.org' }], phones: [{ value: '+41 44 111 22 33' }] }) },
        { id: 'c', name: 'Solo', card: card({ phones: [{ value: '+41 44 999 88 77' }, { value: '044 999 88 77' }] }) },
      ],
      200,
      now,
    );
    assert.deepEqual(twice, [{ ids: ['a', 'b'], reasons: ['email', 'phone', 'name'] }]);
    // A switchboard number on six colleagues' cards links none of them.
    const switchboard = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, name: `Colleague ${i}`, card: card({ phones: [{ value: '+41 44 000 00 00' }] }) }));
    assert.deepEqual(await duplicateGroups(switchboard, 200, now), []);
    // Bounded: at most the groups asked for.
    const many = Array.from({ length: 50 }, (_, i) => [
      { id: `x${i}`, name: `Person ${i}`, card: card({}) },
      { id: `y${i}`, name: `person ${i}`, card: card({}) },
    ]).flat();
    assert.equal((await duplicateGroups(many, 10, now)).length, 10);
  });

  test('the merged card: the first’s fields, gaps filled from the others, lists gathered without repeats, notes joined, one photo', () => {
    const merged = mergeCards([
      { card: card({ givenName: 'Jürgen', familyName: 'Müller', emails: [{ value: 'j.mueller@acme.example', type: 'work' }], groups: ['Clients'], note: 'Met at the fair.' }), extra: [['photo', {}, 'uri', 'data:image/png;base64,AAA']] },
      {
        card: card({ givenName: 'J.', organization: 'Acme AG', emails: [{ value: 'J.Mueller@acme.example' }, { value: 'juergen@home.example', type: 'home' }], phones: [{ value: '+41 79 123 45 67' }], groups: ['Clients', 'Fair 2026'], note: 'Prefers calls.' }),
        extra: [['photo', {}, 'uri', 'data:image/png;base64,BBB'], ['nickname', {}, 'text', 'Jürg']],
      },
      { card: card({ phones: [{ value: '079 123 45 67' }], birthday: '1980-05-17', note: 'Met at the fair.' }), extra: [['nickname', {}, 'text', 'JM']] },
    ]);
    assert.deepEqual(merged.card, {
      givenName: 'Jürgen',
      familyName: 'Müller',
      organization: 'Acme AG',
      birthday: '1980-05-17',
      emails: [{ value: 'j.mueller@acme.example', type: 'work' }, { value: 'juergen@home.example', type: 'home' }],
      phones: [{ value: '+41 79 123 45 67' }],
      addresses: [],
      groups: ['Clients', 'Fair 2026'],
      note: 'Met at the fair.\n\nPrefers calls.',
    });
    assert.deepEqual(merged.extra, [['photo', {}, 'uri', 'data:image/png;base64,AAA'], ['nickname', {}, 'text', 'Jürg']]);
  });
});

for (const kind of DB_KINDS) {
  describe(`duplicates and merging over HTTP on ${kind}`, () => {
    let parley: Parley;
    let base: string;
    let owner: AuthReply;
    let reader: AuthReply;
    let book: AddressBookView;
    beforeAll(async () => {
      parley = await startChatServerOn(kind);
      base = parley.url;
      const t = await team(base, ['rita']);
      [owner, reader] = [t.owner, t.members[0]!];
      book = (await authed<{ book: AddressBookView }>(base, owner.token, 'POST', '/api/contacts/books', { name: 'Clients' })).body.book;
    });
    afterAll(() => parley.close());

    const add = async (body: object) => (await authed<{ contact: ContactView }>(base, owner.token, 'POST', `/api/contacts/books/${book.id}/contacts`, body)).body.contact;
    const list = async () => (await authed<{ contacts: ContactView[] }>(base, owner.token, 'GET', `/api/contacts/books/${book.id}/contacts`)).body.contacts;

    test('found, merged into the first (the one a phone has keeps its name there), the others in the trash; refusals change nothing', async () => {
      // The phone's card, then two more of the same person made in Parley, and someone else.
      const body = 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:phone-juergen\r\nFN:Jürgen Müller\r\nN:Müller;Jürgen;;;\r\nTEL;TYPE=CELL:+41 79 123 45 67\r\nNICKNAME:Jürg\r\nEND:VCARD\r\n';
      const put = (await davRequest(base, 'PUT', `/dav/addressbooks/${owner.user.id}/${book.id}/juergen.vcf`, await appPasswordOf(base, owner), body, { 'content-type': 'text/vcard' })).status;
      assert.equal(put, 201);
      const fromPhone = (await list()).find((c) => c.uid === 'phone-juergen')!;
      const second = await add({ givenName: 'Juergen', familyName: 'Mueller', phones: [{ value: '079 123 45 67' }], emails: [{ value: 'j.mueller@acme.example' }], organization: 'Acme AG' });
      const third = await add({ displayName: 'J. Mueller', emails: [{ value: 'J.Mueller@acme.example' }], note: 'Prefers calls.' });
      const other = await add({ givenName: 'Anna', familyName: 'Bianchi' });

      const found = await authed<{ groups: DuplicateGroupView[] }>(base, owner.token, 'GET', `/api/contacts/books/${book.id}/duplicates`);
      assert.equal(found.status, 200);
      assert.equal(found.body.groups.length, 1);
      assert.deepEqual(found.body.groups[0]!.contacts.map((c) => c.id).sort(), [fromPhone.id, second.id, third.id].sort());
      assert.deepEqual(found.body.groups[0]!.reasons, ['email', 'phone']);

      // Refused, nothing changed: one card, a card of another book or gone, the reader's right to read only, a stranger, bad bodies.
      const stranger = await signup(base, 'stan', { orgName: 'Elsewhere' });
      assert.equal((await authed(base, owner.token, 'PUT', `/api/contacts/books/${book.id}/shares`, { userId: reader.user.id, access: 'read' })).status, 200);
      const elsewhere = (await authed<{ book: AddressBookView }>(base, owner.token, 'POST', '/api/contacts/books', { name: 'Elsewhere' })).body.book;
      const outside = (await authed<{ contact: ContactView }>(base, owner.token, 'POST', `/api/contacts/books/${elsewhere.id}/contacts`, { givenName: 'Jürgen', familyName: 'Müller' })).body.contact;
      const merge = (who: AuthReply, contactIds: unknown) => authed<{ error?: { code: string } }>(base, who.token, 'POST', `/api/contacts/books/${book.id}/merge`, { contactIds });
      for (const [ids, status, code] of [
        [[second.id, second.id], 400, 'INVALID_PAYLOAD'],
        [[second.id, outside.id], 404, 'CONTACT_NOT_FOUND'],
        [[second.id, 'no-such-card'], 404, 'CONTACT_NOT_FOUND'],
      ] as const) {
        const res = await merge(owner, ids);
        assert.deepEqual([res.status, res.body.error?.code], [status, code], JSON.stringify(ids));
      }
      assert.deepEqual(await merge(reader, [second.id, third.id]).then((r) => [r.status, r.body.error?.code]), [403, 'FORBIDDEN']);
      assert.deepEqual(await merge(stranger, [second.id, third.id]).then((r) => [r.status, r.body.error?.code]), [404, 'ADDRESS_BOOK_NOT_FOUND']);
      assert.equal((await authed(base, stranger.token, 'GET', `/api/contacts/books/${book.id}/duplicates`)).status, 404);
      for (const bad of [[second.id], Array.from({ length: 21 }, () => second.id), 'x', [1, 2], null]) assert.equal((await merge(owner, bad)).status, 400, JSON.stringify(bad));
      assert.equal((await authed(base, '', 'POST', `/api/contacts/books/${book.id}/merge`, { contactIds: [second.id, third.id] })).status, 401);
      assert.equal((await list()).length, 4, 'nothing merged by the refusals');

      // Merged into the phone's card: its id and UID stay, the others' fields come in, they wait in the trash.
      const merged = await authed<{ contact: ContactView }>(base, owner.token, 'POST', `/api/contacts/books/${book.id}/merge`, { contactIds: [fromPhone.id, second.id, third.id] });
      assert.equal(merged.status, 200, JSON.stringify(merged.body));
      const c = merged.body.contact;
      assert.deepEqual([c.id, c.uid, c.displayName, c.organization, c.note], [fromPhone.id, 'phone-juergen', 'Jürgen Müller', 'Acme AG', 'Prefers calls.']);
      assert.deepEqual(c.emails.map((e) => e.value), ['j.mueller@acme.example']);
      assert.deepEqual(c.phones.map((p) => p.value), ['+41 79 123 45 67']);
      assert.deepEqual((await list()).map((x) => x.id).sort(), [fromPhone.id, other.id].sort());
      assert.deepEqual((await authed<{ contacts: ContactView[] }>(base, owner.token, 'GET', `/api/contacts/books/${book.id}/trash`)).body.contacts.map((x) => x.id).sort(), [second.id, third.id].sort());
      assert.deepEqual((await authed<{ groups: DuplicateGroupView[] }>(base, owner.token, 'GET', `/api/contacts/books/${book.id}/duplicates`)).body.groups, []);
    });

    test('across the books one may write to: found and merged, the other card to its own book’s trash; a book shared to read is left out', async () => {
      const as = <T>(who: AuthReply, method: string, url: string, body?: unknown) => authed<T & { error?: { code: string } }>(base, who.token, method, url, body);
      const newBook = async (who: AuthReply, name: string) => (await as<{ book: AddressBookView }>(who, 'POST', '/api/contacts/books', { name })).body.book;
      const card = async (who: AuthReply, bookId: string, body: object) => (await as<{ contact: ContactView }>(who, 'POST', `/api/contacts/books/${bookId}/contacts`, body)).body.contact;
      // Zora in the owner's book, in a book of Rita's he may write to, and in one he may only read.
      const mine = await card(owner, book.id, { givenName: 'Zora', familyName: 'Lind', emails: [{ value: 'zora@lind.example' }] });
      const ritas = await newBook(reader, 'Rita’s clients');
      const theirs = await card(reader, ritas.id, { givenName: 'Zora', familyName: 'Lind', phones: [{ value: '+46 70 123 45 67' }] });
      const ritasPrivate = await newBook(reader, 'Rita’s own');
      const readOnly = await card(reader, ritasPrivate.id, { givenName: 'Zora', familyName: 'Lind', note: 'Not his to merge.' });
      assert.equal((await as(reader, 'PUT', `/api/contacts/books/${ritas.id}/shares`, { userId: owner.user.id, access: 'write' })).status, 200);
      assert.equal((await as(reader, 'PUT', `/api/contacts/books/${ritasPrivate.id}/shares`, { userId: owner.user.id, access: 'read' })).status, 200);

      const found = await as<{ groups: DuplicateGroupView[] }>(owner, 'GET', '/api/contacts/duplicates');
      assert.equal(found.status, 200);
      const zora = found.body.groups.find((g) => g.contacts.some((c) => c.id === mine.id));
      assert.deepEqual(zora?.contacts.map((c) => c.id).sort(), [mine.id, theirs.id].sort(), 'the read-only book’s card is not offered');
      assert.deepEqual(zora!.contacts.map((c) => c.bookId).sort(), [book.id, ritas.id].sort());
      // Within one book, none of them is a duplicate.
      assert.equal((await as<{ groups: DuplicateGroupView[] }>(owner, 'GET', `/api/contacts/books/${book.id}/duplicates`)).body.groups.length, 0);

      // Refused, nothing changed: the read-only card, a stranger, another book's route, no session, bad bodies.
      const merge = (who: AuthReply, contactIds: unknown) => as(who, 'POST', '/api/contacts/merge', { contactIds });
      assert.deepEqual(await merge(owner, [mine.id, readOnly.id]).then((r) => [r.status, r.body.error?.code]), [403, 'FORBIDDEN']);
      const stranger = await signup(base, 'sten', { orgName: 'Far away' });
      assert.deepEqual(await merge(stranger, [mine.id, theirs.id]).then((r) => [r.status, r.body.error?.code]), [404, 'CONTACT_NOT_FOUND']);
      assert.equal((await as<{ groups: DuplicateGroupView[] }>(stranger, 'GET', '/api/contacts/duplicates')).body.groups.length, 0);
      assert.deepEqual(await as(owner, 'POST', `/api/contacts/books/${book.id}/merge`, { contactIds: [mine.id, theirs.id] }).then((r) => [r.status, r.body.error?.code]), [404, 'CONTACT_NOT_FOUND']);
      assert.equal((await authed(base, '', 'POST', '/api/contacts/merge', { contactIds: [mine.id, theirs.id] })).status, 401);
      assert.equal((await authed(base, '', 'GET', '/api/contacts/duplicates')).status, 401);
      for (const bad of [[mine.id], { ids: [mine.id, theirs.id] }, [mine.id, 7]]) assert.equal((await merge(owner, bad)).status, 400, JSON.stringify(bad));
      assert.equal((await as<{ contacts: ContactView[] }>(reader, 'GET', `/api/contacts/books/${ritas.id}/contacts`)).body.contacts.length, 1);

      // Merged into the owner's card: Rita's number comes in, her card waits in her book's trash (her phone is told it left).
      const merged = await merge(owner, [mine.id, theirs.id]);
      assert.equal(merged.status, 200, JSON.stringify(merged.body));
      const c = (merged.body as unknown as { contact: ContactView }).contact;
      assert.deepEqual([c.id, c.bookId, c.emails.map((e) => e.value), c.phones.map((p) => p.value)], [mine.id, book.id, ['zora@lind.example'], ['+46 70 123 45 67']]);
      assert.deepEqual((await as<{ contacts: ContactView[] }>(reader, 'GET', `/api/contacts/books/${ritas.id}/trash`)).body.contacts.map((x) => x.id), [theirs.id]);
      assert.equal((await as<{ contacts: ContactView[] }>(reader, 'GET', `/api/contacts/books/${ritasPrivate.id}/contacts`)).body.contacts.length, 1, 'the read-only card untouched');

      // Two merges at once crossing the same two books in opposite orders (one keeps Rita's card): both done, neither waits on the other for ever.
      const pairs = await Promise.all(
        ['Ugo', 'Vera'].map(async (given) => [await card(owner, book.id, { givenName: given, familyName: 'Twin' }), await card(reader, ritas.id, { givenName: given, familyName: 'Twin', emails: [{ value: `${given}@twin.example` }] })]),
      );
      const both = await Promise.all([merge(owner, [pairs[0]![0]!.id, pairs[0]![1]!.id]), merge(owner, [pairs[1]![1]!.id, pairs[1]![0]!.id])]);
      assert.deepEqual(both.map((r) => r.status), [200, 200], JSON.stringify(both.map((r) => r.body)));
      const vera = (both[1]!.body as unknown as { contact: ContactView }).contact;
      assert.deepEqual([vera.id, vera.bookId], [pairs[1]![1]!.id, ritas.id], 'kept in Rita’s book, where it was');
      assert.deepEqual((await as<{ contacts: ContactView[] }>(owner, 'GET', `/api/contacts/books/${book.id}/trash`)).body.contacts.filter((x) => x.familyName === 'Twin').map((x) => x.givenName), ['Vera']);
    });
  });
}
