// Contacts: address books and cards on PGlite and PostgreSQL (the same tests
// on both), their vCard read back by ical.js, and the HTTP edge with
// malformed, oversized and foreign input.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import ICAL from 'ical.js';
import { CONTACT_LIMITS, DomainError, type AddressBookView, type ContactBody, type ContactView } from '@parley/protocol';
import { Accounts, type UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import { Contacts } from '../src/suite/contacts/Contacts.ts';
import { ContactStore } from '../src/suite/contacts/store.ts';
import { toVcard } from '../src/suite/contacts/vcard.ts';
import type { Db } from '../src/store/db.ts';
import type { Parley } from '../src/app.ts';
import { DB_KINDS, testDb } from './db.ts';
import { authed, signup, startChatServer, TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import { http } from './helpers.ts';

const code = (c: string) => (e: unknown) => e instanceof DomainError && e.code === c;
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

const zoe: ContactBody = {
  givenName: 'Zoë',
  familyName: 'Müller-Lüdenscheidt',
  organization: 'Acme, Inc; "Zürich"',
  title: 'Head of things',
  emails: [{ value: 'zoe@example.org', type: 'work' }, { value: 'zoe.home@example.net', type: 'home' }],
  phones: [{ value: '+41 79 123 45 67', type: 'cell' }],
  addresses: [{ street: 'Bahnhofstrasse 1', city: 'Zürich', postcode: '8001', country: 'Switzerland', type: 'work' }],
  birthday: '1990-04-02',
  note: `Met at the fair.\nLikes tea; not coffee, ever. ${'Très bien, à bientôt; '.repeat(8)}fin.`,
  groups: ['Clients', 'Fair 2026'],
};

for (const kind of DB_KINDS) {
  describe(`contacts on ${kind}`, () => {
    let db: Db;
    let accounts: Accounts;
    let contacts: Contacts;
    beforeAll(async () => {
      db = await testDb(kind);
      accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
      contacts = new Contacts(new ContactStore(db));
    });
    afterAll(() => db.close());
    const user = (): Promise<UserRow> => {
      const id = uniq();
      return accounts.signup({ email: `c-${id}@example.org`, username: `c${id}`, name: `C ${id}`, password: 'correct horse battery' }, { address: 'test' });
    };

    test('the first visit makes one address book, once even when asked twice at once; books are named, renamed, capped, deleted', async () => {
      const me = await user();
      const [a, b] = await Promise.all([contacts.books(me.id), contacts.books(me.id)]);
      assert.deepEqual(a.map((x) => x.name), ['Contacts']);
      assert.deepEqual(b.map((x) => x.id), a.map((x) => x.id));
      const work = await contacts.createBook(me.id, ' Work ');
      assert.equal(work.name, 'Work');
      assert.equal((await contacts.renameBook(me.id, work.id, 'Clients')).name, 'Clients');
      await assert.rejects(contacts.createBook(me.id, '\u200B'), code('INVALID_PAYLOAD'));
      const made = await Promise.allSettled(Array.from({ length: CONTACT_LIMITS.booksPerUser }, (_, i) => contacts.createBook(me.id, `Book ${i}`)));
      assert.equal(made.filter((m) => m.status === 'fulfilled').length, CONTACT_LIMITS.booksPerUser - 2);
      assert.equal((await contacts.books(me.id)).length, CONTACT_LIMITS.booksPerUser);
      await contacts.deleteBook(me.id, work.id);
      await assert.rejects(contacts.deleteBook(me.id, work.id), code('ADDRESS_BOOK_NOT_FOUND'));
    });

    test('a card keeps every field; its display name is made when not given; a card of nothing is refused', async () => {
      const me = await user();
      const [book] = await contacts.books(me.id);
      const c = await contacts.create(me.id, book!.id, zoe);
      assert.equal(c.displayName, 'Zoë Müller-Lüdenscheidt');
      assert.deepEqual(
        { givenName: c.givenName, familyName: c.familyName, organization: c.organization, emails: c.emails, phones: c.phones, addresses: c.addresses, birthday: c.birthday, note: c.note, groups: c.groups },
        { givenName: zoe.givenName, familyName: zoe.familyName, organization: zoe.organization, emails: zoe.emails, phones: zoe.phones, addresses: zoe.addresses, birthday: zoe.birthday, note: zoe.note, groups: zoe.groups },
      );
      assert.deepEqual(await contacts.contact(me.id, c.id), c);
      assert.equal((await contacts.create(me.id, book!.id, { organization: 'Parley AG' })).displayName, 'Parley AG');
      assert.equal((await contacts.create(me.id, book!.id, { emails: [{ value: 'only@example.org' }] })).displayName, 'only@example.org');
      assert.equal((await contacts.create(me.id, book!.id, { displayName: 'Dr. Who', givenName: 'John' })).displayName, 'Dr. Who');
      await assert.rejects(contacts.create(me.id, book!.id, { note: 'no one', addresses: [{ city: 'Bern' }] }), code('INVALID_PAYLOAD'));
      await assert.rejects(contacts.create(me.id, book!.id, { givenName: '\u2066\u2069 \u0007' }), code('INVALID_PAYLOAD'));
      await assert.rejects(contacts.create(me.id, book!.id, { givenName: 'Leap', birthday: '2026-02-30' }), code('INVALID_PAYLOAD'));
      // Changed: a new ETag; the same UID.
      const changed = await contacts.update(me.id, c.id, { ...zoe, phones: [] });
      assert.notEqual(changed.etag, c.etag);
      assert.equal(changed.uid, c.uid);
      assert.deepEqual(changed.phones, []);
    });

    test('nobody sees, changes, deletes or exports another person’s book or card: not found', async () => {
      const me = await user();
      const other = await user();
      const [book] = await contacts.books(me.id);
      const c = await contacts.create(me.id, book!.id, zoe);
      await assert.rejects(contacts.contacts(other.id, book!.id), code('ADDRESS_BOOK_NOT_FOUND'));
      await assert.rejects(contacts.create(other.id, book!.id, zoe), code('ADDRESS_BOOK_NOT_FOUND'));
      await assert.rejects(contacts.renameBook(other.id, book!.id, 'Mine now'), code('ADDRESS_BOOK_NOT_FOUND'));
      await assert.rejects(contacts.deleteBook(other.id, book!.id), code('ADDRESS_BOOK_NOT_FOUND'));
      await assert.rejects(contacts.exportVcard(other.id, book!.id), code('ADDRESS_BOOK_NOT_FOUND'));
      await assert.rejects(contacts.contact(other.id, c.id), code('CONTACT_NOT_FOUND'));
      await assert.rejects(contacts.update(other.id, c.id, zoe), code('CONTACT_NOT_FOUND'));
      await assert.rejects(contacts.remove(other.id, c.id), code('CONTACT_NOT_FOUND'));
      assert.deepEqual(await contacts.search(other.id, 'Zoë'), []);
      assert.equal((await contacts.contact(me.id, c.id)).displayName, 'Zoë Müller-Lüdenscheidt');
    });

    test('search finds across one’s books whatever the accents and case, by name, organization, e-mail, phone, city or group', async () => {
      const me = await user();
      const [book] = await contacts.books(me.id);
      const other = await contacts.createBook(me.id, 'Work');
      await contacts.create(me.id, book!.id, zoe);
      await contacts.create(me.id, other.id, { givenName: 'Jean', familyName: 'Dupont', emails: [{ value: 'jean@dupont.fr' }] });
      const names = async (q: string) => (await contacts.search(me.id, q)).map((c) => c.displayName).sort();
      for (const q of ['muller', 'MÜLLER', 'zoe', 'acme', 'zurich', '79 123', 'example.net', 'fair 2026']) assert.deepEqual(await names(q), ['Zoë Müller-Lüdenscheidt'], q);
      assert.deepEqual(await names('dup'), ['Jean Dupont']);
      assert.deepEqual(await names('e'), ['Jean Dupont', 'Zoë Müller-Lüdenscheidt']);
      assert.deepEqual(await names('%'), [], 'LIKE patterns are plain text');
      assert.deepEqual(await names('\u200B'), []);
    });

    test('deleted cards go to the trash and come back; every change takes the book’s next number', async () => {
      const me = await user();
      const [book] = await contacts.books(me.id);
      const c = await contacts.create(me.id, book!.id, zoe);
      const seq = async () => (await db.query<{ seq: number }>('select seq from contacts where id = $1', [c.id]))[0]!.seq;
      const first = await seq();
      await contacts.remove(me.id, c.id);
      assert.ok((await seq()) > first);
      assert.deepEqual(await contacts.contacts(me.id, book!.id), []);
      assert.deepEqual((await contacts.trash(me.id, book!.id)).map((x) => x.id), [c.id]);
      await assert.rejects(contacts.contact(me.id, c.id), code('CONTACT_NOT_FOUND'));
      await assert.rejects(contacts.remove(me.id, c.id), code('CONTACT_NOT_FOUND'));
      assert.equal((await contacts.books(me.id))[0]!.count, 0);
      const back = await contacts.restore(me.id, c.id);
      assert.equal(back.deletedAt, undefined);
      assert.deepEqual((await contacts.contacts(me.id, book!.id)).map((x) => x.id), [c.id]);
      await assert.rejects(contacts.restore(me.id, c.id), code('CONTACT_NOT_FOUND'));
      // Past 30 days it stays in the trash for good.
      await contacts.remove(me.id, c.id);
      await db.query('update contacts set deleted_at = $2 where id = $1', [c.id, Date.now() - (CONTACT_LIMITS.trashDays + 1) * 86_400_000]);
      assert.deepEqual(await contacts.trash(me.id, book!.id), []);
      await assert.rejects(contacts.restore(me.id, c.id), code('CONTACT_NOT_FOUND'));
    });

    test('a full book takes no more cards, restored ones included; the trash keeps as many as a book holds; a card made as its book is deleted is not found, never a crash', async () => {
      const small = new Contacts(new ContactStore(db), { perBook: 3 });
      const me = await user();
      const [book] = await small.books(me.id);
      const made = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => small.create(me.id, book!.id, { givenName: `P${i}` })));
      assert.equal(made.filter((m) => m.status === 'fulfilled').length, 3, 'three at most, even at once');
      assert.ok(made.filter((m) => m.status === 'rejected').every((m) => code('TOO_MANY')((m as PromiseRejectedResult).reason)));
      const [first] = await small.contacts(me.id, book!.id);
      await small.remove(me.id, first!.id);
      await small.create(me.id, book!.id, { givenName: 'Newcomer' });
      await assert.rejects(small.restore(me.id, first!.id), code('TOO_MANY'));
      // Deleting more than a book holds: the trash keeps the newest three.
      for (let i = 0; i < 5; i++) {
        const c = await small.create(me.id, book!.id, { givenName: `T${i}` }).catch(() => undefined);
        const victim = c ?? (await small.contacts(me.id, book!.id))[0]!;
        await small.remove(me.id, victim.id);
      }
      assert.equal((await small.trash(me.id, book!.id)).length, 3);
      assert.equal((await db.query('select 1 from contacts where book_id = $1 and deleted_at is not null', [book!.id])).length, 3);
      for (let i = 0; i < 3; i++) {
        const doomed = await small.createBook(me.id, `Doomed ${i}`);
        const [c, d] = await Promise.allSettled([small.create(me.id, doomed.id, { givenName: 'Late' }), small.deleteBook(me.id, doomed.id)]);
        assert.equal(d.status, 'fulfilled');
        if (c.status === 'rejected') assert.ok(code('ADDRESS_BOOK_NOT_FOUND')(c.reason), String(c.reason));
      }
    });

    test('lists read no picture bytes (a 2,000-card book of pictures would be 100 MB): the list still knows who has one; devices and files get them whole', async () => {
      const me = await user();
      const [book] = await contacts.books(me.id);
      const c = await contacts.create(me.id, book!.id, { givenName: 'Pia', familyName: 'Picture' });
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(30_000, 7)]);
      await contacts.setPhoto(me.id, c.id, png);
      const store = new ContactStore(db);
      const photoValue = (rows: { extra: unknown[][] }[]) => String(rows[0]!.extra.find((p) => p[0] === 'photo')?.[3] ?? '');
      assert.ok(photoValue(await store.contacts(book!.id, 10, true)).length <= 64, 'cut for a list');
      assert.ok(photoValue(await store.contacts(book!.id, 10)).length > 40_000, 'whole for a device or a file');
      assert.equal((await contacts.contacts(me.id, book!.id))[0]!.hasPhoto, true);
      assert.equal((await contacts.search(me.id, 'pia'))[0]!.hasPhoto, true);
      assert.deepEqual((await contacts.photo(me.id, c.id)).bytes, png);
      assert.match((await contacts.exportVcard(me.id, book!.id)).text, /PHOTO[^\r\n]*:data:image\/png;base64,iVBORw0KGgo/);
      await contacts.remove(me.id, c.id);
      assert.equal((await contacts.trash(me.id, book!.id))[0]!.hasPhoto, true);
    });

    test('the export is vCard 4.0 that ical.js reads back field for field (commas, semicolons, line breaks, accents)', async () => {
      const me = await user();
      const [book] = await contacts.books(me.id);
      const c = await contacts.create(me.id, book!.id, zoe);
      await contacts.create(me.id, book!.id, { organization: 'Second' });
      const { name, text } = await contacts.exportVcard(me.id, book!.id);
      assert.equal(name, 'Contacts');
      // Folded at 75 octets, a continuation line's leading space on top (vcard.ts); the note is long enough to be folded.
      const lines = text.split('\r\n');
      assert.ok(lines.some((line) => line.startsWith(' ')), 'long lines are folded');
      assert.ok(lines.every((line) => Buffer.byteLength(line) <= (line.startsWith(' ') ? 76 : 75)), 'lines folded at 75 octets');
      const cards = (ICAL.parse(text) as unknown as unknown[][]).map((jcal) => new ICAL.Component(jcal as never));
      assert.equal(cards.length, 2);
      const card = cards.find((k) => k.getFirstPropertyValue('uid') === c.uid)!;
      assert.equal(card.getFirstPropertyValue('version'), '4.0');
      assert.equal(card.getFirstPropertyValue('fn'), 'Zoë Müller-Lüdenscheidt');
      assert.deepEqual(card.getFirstProperty('n')!.getValues()[0], ['Müller-Lüdenscheidt', 'Zoë', '', '', '']);
      assert.deepEqual(card.getFirstProperty('org')!.getValues().flat(), [zoe.organization]);
      assert.equal(card.getFirstPropertyValue('note'), zoe.note);
      assert.deepEqual(card.getAllProperties('email').map((p) => [p.getFirstValue(), p.getParameter('type')]), [['zoe@example.org', 'work'], ['zoe.home@example.net', 'home']]);
      assert.equal(card.getFirstPropertyValue('tel'), '+41 79 123 45 67');
      assert.deepEqual(card.getFirstProperty('adr')!.getFirstValue(), ['', '', 'Bahnhofstrasse 1', 'Zürich', '', '8001', 'Switzerland']);
      assert.equal(String(card.getFirstPropertyValue('bday')), '1990-04-02');
      assert.deepEqual(card.getFirstProperty('categories')!.getValues(), ['Clients', 'Fair 2026']);
      // "cell" is for phones: an e-mail of that kind is written without a type.
      const cellMail = await contacts.create(me.id, book!.id, { givenName: 'Cell', emails: [{ value: 'cell@example.org', type: 'cell' }] });
      assert.match(toVcard(cellMail), /\r\nEMAIL:cell@example\.org\r\n/);
    });
  });
}

describe('contacts over HTTP', () => {
  let parley: Parley;
  let base: string;
  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
  });
  afterAll(() => parley.close());

  test('the session first; malformed, oversized and hostile bodies refused with their code; foreign ids not found; the export is a .vcf', async () => {
    const me = await signup(base, 'Cora');
    const other = await signup(base, 'Olaf');
    for (const [method, url] of [
      ['GET', '/api/contacts/books'],
      ['POST', '/api/contacts/books'],
      ['GET', '/api/contacts/search?q=a'],
      ['DELETE', '/api/contacts/abc'],
    ] as const) {
      const res = await http<{ error: { code: string } }>(base, method, url, method === 'POST' ? { name: 'x' } : undefined);
      assert.deepEqual([res.status, res.body.error.code], [401, 'UNAUTHORIZED'], `${method} ${url}`);
    }
    const books = await authed<{ books: AddressBookView[] }>(base, me.token, 'GET', '/api/contacts/books');
    const bookId = books.body.books[0]!.id;
    const post = (body: unknown, token = me.token) => authed<{ contact: ContactView; error: { code: string } }>(base, token, 'POST', `/api/contacts/books/${bookId}/contacts`, body);
    for (const body of [
      { givenName: 'X', admin: true },
      { givenName: 42 },
      { emails: [{ value: 'not-an-address' }] },
      { emails: [{ value: 'a@b' }] },
      { emails: [{ value: 'ze\u0000ro@example.org' }] },
      { emails: [{ value: 'evil\u202E@example.org' }] },
      { emails: [{ value: 'x@example.org', type: 'secret' }] },
      { givenName: 'X', emails: Array.from({ length: CONTACT_LIMITS.emails + 1 }, (_, i) => ({ value: `a${i}@example.org` })) },
      { givenName: 'X', phones: [{ value: '<script>' }] },
      { givenName: 'X', note: 'x'.repeat(CONTACT_LIMITS.noteChars + 1) },
      { givenName: 'x'.repeat(101) },
      { givenName: 'X', birthday: '1990-13-01' },
      { givenName: 'X', groups: [''] },
      { note: 'nothing to name it by' },
    ]) {
      const res = await post(body);
      assert.deepEqual([res.status, res.body.error?.code], [400, 'INVALID_PAYLOAD'], JSON.stringify(body).slice(0, 80));
    }
    const made = await post({ givenName: 'Ada', familyName: 'Lovelace', emails: [{ value: 'ada@example.org' }] });
    assert.equal(made.status, 201);
    const id = made.body.contact.id;
    // Another person: not found, for the book and for the card.
    assert.equal((await post({ givenName: 'Intruder' }, other.token)).status, 404);
    for (const [method, url, body] of [
      ['GET', `/api/contacts/${id}`, undefined],
      ['PUT', `/api/contacts/${id}`, { givenName: 'Mine' }],
      ['DELETE', `/api/contacts/${id}`, undefined],
      ['GET', `/api/contacts/books/${bookId}/export`, undefined],
      ['GET', `/api/contacts/books/${bookId}/contacts`, undefined],
    ] as const) {
      const res = await authed<{ error: { code: string } }>(base, other.token, method, url, body);
      assert.equal(res.status, 404, `${method} ${url}`);
      assert.match(res.body.error.code, /^(CONTACT|ADDRESS_BOOK)_NOT_FOUND$/);
    }
    for (const bad of ['..%2F..%2Fetc', 'a'.repeat(65), '%00']) assert.equal((await authed(base, me.token, 'GET', `/api/contacts/${bad}`)).status, 400, bad);
    assert.equal((await authed(base, me.token, 'GET', `/api/contacts/search?q=${'a'.repeat(101)}`)).status, 400);
    const found = await authed<{ contacts: ContactView[] }>(base, me.token, 'GET', '/api/contacts/search?q=lovel');
    assert.deepEqual(found.body.contacts.map((c) => c.id), [id]);
    const res = await fetch(`${base}/api/contacts/books/${bookId}/export`, { headers: { authorization: `Bearer ${me.token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/vcard/);
    assert.match(res.headers.get('content-disposition')!, /filename="Contacts\.vcf"; filename\*=UTF-8''Contacts\.vcf/);
    assert.match(await res.text(), /^BEGIN:VCARD\r\nVERSION:4\.0\r\n[\s\S]*FN:Ada Lovelace\r\n[\s\S]*END:VCARD\r\n$/);
    assert.equal((await authed(base, me.token, 'DELETE', `/api/contacts/${id}`)).status, 200);
    assert.equal((await authed<{ contact: ContactView }>(base, me.token, 'POST', `/api/contacts/${id}/restore`)).body.contact.id, id);
  });
});
