// Importing contacts: vCard (3.0 and 4.0) and CSV files, previewed (count,
// columns, a guess of each column's field in the five languages) and
// imported all or nothing with the line of the first error, into the
// import's group; the limits (50 MB, 10,000 lines, UTF-8) and hostile files
// refused with nothing stored. The store's bulk insert on PGlite and
// PostgreSQL; the HTTP edge with bad and foreign input.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { DomainError, type AddressBookView, type AuthReply, type ContactView, type ImportPreview, type ImportResult } from '@parley/protocol';
import { Accounts } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import { Contacts } from '../src/suite/contacts/Contacts.ts';
import { ContactStore } from '../src/suite/contacts/store.ts';
import { readCsv, readVcards } from '../src/suite/contacts/import-read.ts';
import { guessMapping, rowToCard } from '../src/suite/contacts/import-csv.ts';
import type { Db } from '../src/store/db.ts';
import type { Parley } from '../src/app.ts';
import { DB_KINDS, testDb } from './db.ts';
import { authed, signup, startChatServer, TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import { http } from './helpers.ts';

const code = (c: string, message?: RegExp) => (e: unknown) => e instanceof DomainError && e.code === c && (!message || message.test(e.message));
/** A file as it arrives: in pieces of `size` bytes (a UTF-8 character may be cut between two). */
const pieces = (text: string | Buffer, size = 7) => {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return Readable.from(Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size)));
};
const CSV = ['Prénom;Nom;Courriel;Portable;Ville;Anniversaire;Groupes', 'Zoé;Müller;zoe@example.org;+41 79 111 22 33;Genève;17.05.1980;Amis', '"Jean; dit ""JJ""";Dupont;jj@example.org;;Lausanne;;', 'Nora;Nameonly;;;;;'].join('\r\n');
/** An empty line and a cell over two lines: line numbers stay the file's. */
const CSV_GAPS = ['Prénom;Nom;Courriel', '', '"Ann\nMarie";A;ann@example.org', 'Bad;B;not-an-address'].join('\n');

describe('reading files', () => {
  test('CSV: the separator guessed, quotes and accents kept across pieces, each row with its line', async () => {
    const { rows, separator } = await readCsv(pieces(CSV), {});
    assert.equal(separator, ';');
    assert.deepEqual(
      rows.map((r) => [r.line, r.cells[0]]),
      [
        [1, 'Prénom'],
        [2, 'Zoé'],
        [3, 'Jean; dit "JJ"'],
        [4, 'Nora'],
      ],
    );
    assert.deepEqual(guessMapping(rows[0]!.cells), ['givenName', 'familyName', 'email', 'phoneCell', 'city', 'birthday', 'groups']);
    const gaps = await readCsv(pieces(CSV_GAPS), {});
    assert.deepEqual(
      gaps.rows.map((r) => [r.line, r.cells[0]]),
      [
        [1, 'Prénom'],
        [3, 'Ann\nMarie'],
        [5, 'Bad'],
      ],
    );
    assert.deepEqual(guessMapping(['First Name', 'Last Name', 'E-mail Address', 'E-mail 2 Address', 'Mobile Phone', 'Company', 'Whatever']), ['givenName', 'familyName', 'email', 'emailHome', 'phoneCell', 'organization', '']);
    const card = rowToCard(rows[1]!.cells, guessMapping(rows[0]!.cells), 2);
    assert.deepEqual(card, { givenName: 'Zoé', familyName: 'Müller', emails: [{ value: 'zoe@example.org' }], phones: [{ value: '+41 79 111 22 33', type: 'cell' }], addresses: [{ city: 'Genève' }], birthday: '1980-05-17', groups: ['Amis'] });
    for (const [cells, why] of [
      [['A', 'B', 'not-an-address'], /line 9: e-mail address “not-an-address”/],
      [['A', 'B', '', 'call me'], /line 9: phone number/],
      [['A', 'B', '', '', '', '31.02.1990'], /line 9: birthday “31\.02\.1990”/],
    ] as const)
      assert.throws(() => rowToCard([...cells], guessMapping(rows[0]!.cells), 9), code('INVALID_IMPORT', why));
  });

  test('vCards 3.0 and 4.0, folded lines, a photo kept; what is not a vCard is refused with its line', async () => {
    const file = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'UID:v3',
      'FN:Ana Três',
      'N:Três;Ana;;;',
      'EMAIL;TYPE=INTERNET:ana@example.org',
      'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHR',
      ' ofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:4.0',
      'FN:Quatro',
      'TEL;VALUE=uri;TYPE=cell:tel:+41-79-000-00-00',
      'END:VCARD',
      '',
    ].join('\r\n');
    const cards = await readVcards(pieces(file, 5));
    assert.deepEqual(
      cards.map((c) => [c.line, c.card.uid, c.card.body.displayName]),
      [
        [1, 'v3', 'Ana Três'],
        [10, undefined, 'Quatro'],
      ],
    );
    assert.equal(cards[0]!.card.extra[0]![0], 'photo');
    for (const [text, why] of [
      ['hello\r\n', /line 1: not in a vCard/],
      ['BEGIN:VCARD\r\nFN:a\r\nBEGIN:VCARD\r\n', /line 3: a vCard begins inside another/],
      ['BEGIN:VCARD\r\nVERSION:4.0\r\nFN:a\r\n', /line 1: a vCard with no END:VCARD/],
      ['BEGIN:VCARD\r\nVERSION:4.0\r\nFN:a\r\nEMAIL:bad\r\nEND:VCARD\r\n', /line 1: e-mail address “bad”/],
      ['', /no vCard in the file/],
    ] as const)
      await assert.rejects(readVcards(pieces(text)), code('INVALID_IMPORT', why), text);
  });

  test('limits as the bytes come: not UTF-8, NUL bytes, over 10,000 lines, over 50 MB', async () => {
    await assert.rejects(readCsv(pieces(Buffer.from('Prénom;Nom\r\nZoé;Müller\r\n', 'latin1')), {}), code('INVALID_IMPORT', /not UTF-8/));
    await assert.rejects(readCsv(pieces(Buffer.from([0x41, 0x00, 0x42])), {}), code('INVALID_IMPORT', /NUL/));
    await assert.rejects(readCsv(pieces('a,b\n'.repeat(10_001), 4096), {}), code('INVALID_IMPORT', /more than 10,000 lines/));
    assert.equal((await readCsv(pieces('a,b\n'.repeat(10_000), 4096), {})).rows.length, 10_000);
    let sent = 0;
    // 51 MB of one long line, never held whole: refused once past 50 MB.
    const big = Readable.from(
      (function* () {
        while (sent < 51 * 1024 * 1024) {
          sent += 1024 * 1024;
          yield Buffer.alloc(1024 * 1024, 0x61);
        }
      })(),
    );
    await assert.rejects(readCsv(big, {}), code('INVALID_IMPORT', /over 50 MB/));
    assert.ok(sent <= 51 * 1024 * 1024);
  });
});

for (const kind of DB_KINDS) {
  describe(`importing on ${kind}`, () => {
    let db: Db;
    let accounts: Accounts;
    let contacts: Contacts;
    beforeAll(async () => {
      db = await testDb(kind);
      accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
      contacts = new Contacts(new ContactStore(db), { perBook: 5 });
    });
    afterAll(() => db.close());

    test('all or nothing: a card Parley refuses names its line and nothing is stored; a file past the book’s room is refused whole', async () => {
      const me = await accounts.signup({ email: `imp-${kind}@example.org`, username: `imp${kind}`, name: 'Imp', password: 'correct horse battery' }, { address: 'test' });
      const [book] = await contacts.books(me.id);
      const good = { line: 2, body: { givenName: 'Ada', emails: [{ value: 'ada@example.org' }] } };
      await assert.rejects(contacts.importCards(me.id, book!.id, [good, { line: 3, body: {} }], { group: 'Import 2026-12-07', skipNameOnly: false }), code('INVALID_IMPORT', /^line 3: a contact needs/));
      assert.deepEqual(await contacts.contacts(me.id, book!.id), []);
      const six = Array.from({ length: 6 }, (_, i) => ({ line: i + 2, body: { givenName: `P${i}`, phones: [{ value: `+41 79 000 00 0${i}` }] } }));
      await assert.rejects(contacts.importCards(me.id, book!.id, six, { group: 'g', skipNameOnly: false }), code('TOO_MANY'));
      const result = await contacts.importCards(me.id, book!.id, [good, { line: 3, body: { givenName: 'Only A Name' } }, { line: 4, body: { givenName: 'Bo', groups: ['Friends'] }, uid: 'dup' }, { line: 5, body: { givenName: 'Cy' }, uid: 'dup' }], {
        group: 'Import 2026-12-07',
        skipNameOnly: true,
      });
      assert.deepEqual(result, { imported: 1, skipped: 3, group: 'Import 2026-12-07' });
      const again = await contacts.importCards(me.id, book!.id, [{ line: 1, body: { givenName: 'Bo', groups: ['Friends'] }, uid: 'dup' }, { line: 2, body: { givenName: 'Cy' }, uid: 'dup' }], { group: 'Import 2026-12-08', skipNameOnly: false });
      assert.equal(again.imported, 2);
      const all = await contacts.contacts(me.id, book!.id);
      assert.deepEqual(
        all.map((c) => [c.displayName, c.groups]),
        [
          ['Ada', ['Import 2026-12-07']],
          ['Bo', ['Friends', 'Import 2026-12-08']],
          ['Cy', ['Import 2026-12-08']],
        ],
      );
      assert.equal(new Set(all.map((c) => c.uid)).size, 3, 'a UID used twice gets a new one');
      assert.equal((await contacts.search(me.id, 'friends')).length, 1);
      // Changes numbered for devices: one number for the whole import.
      const changes = await contacts.davChanges(me.id, book!.id);
      assert.equal(changes.changed.length, 3);
      // The import's group deleted: its cards leave it and stay; deleted with its contacts: they go to the trash.
      const seen = (await contacts.davChanges(me.id, book!.id)).lastSeq;
      assert.deepEqual(await contacts.deleteGroup(me.id, book!.id, 'Import 2026-12-08', false), { contacts: 2 });
      assert.deepEqual(
        (await contacts.contacts(me.id, book!.id)).map((c) => [c.displayName, c.groups]),
        [
          ['Ada', ['Import 2026-12-07']],
          ['Bo', ['Friends']],
          ['Cy', []],
        ],
      );
      assert.deepEqual((await contacts.davChanges(me.id, book!.id, seen)).changed.map((c) => c.href).length, 2, 'devices hear of both');
      assert.deepEqual(await contacts.deleteGroup(me.id, book!.id, 'Import 2026-12-07', true), { contacts: 1 });
      assert.deepEqual((await contacts.contacts(me.id, book!.id)).map((c) => c.displayName), ['Bo', 'Cy']);
      assert.deepEqual((await contacts.trash(me.id, book!.id)).map((c) => c.displayName), ['Ada']);
      const other = await accounts.signup({ email: `imp2-${kind}@example.org`, username: `imp2${kind}`, name: 'Other', password: 'correct horse battery' }, { address: 'test' });
      await assert.rejects(contacts.deleteGroup(other.id, book!.id, 'Friends', true), code('ADDRESS_BOOK_NOT_FOUND'));
      await assert.rejects(contacts.importCards(other.id, book!.id, [good], { group: 'g', skipNameOnly: false }), code('ADDRESS_BOOK_NOT_FOUND'));
      assert.equal((await contacts.contacts(me.id, book!.id)).length, 2);
    });
  });
}

describe('importing over HTTP', () => {
  let parley: Parley;
  let base: string;
  let me: AuthReply;
  let book: AddressBookView;
  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
    me = await signup(base, 'Ines');
    book = (await authed<{ books: AddressBookView[] }>(base, me.token, 'GET', '/api/contacts/books')).body.books[0]!;
  });
  afterAll(() => parley.close());
  const send = async <T>(url: string, body: string | Buffer, token: string | null = me.token, type = 'text/csv') => {
    const res = await fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
    return { status: res.status, body: (await res.json()) as T & { error?: { code: string; message: string } } };
  };
  const listed = async () => (await authed<{ contacts: ContactView[] }>(base, me.token, 'GET', `/api/contacts/books/${book.id}/contacts`)).body.contacts;

  test('preview, then import as the person chose; a bad row refuses the whole file with its line', async () => {
    const preview = await send<{ preview: ImportPreview }>('/api/contacts/import/preview?format=csv', CSV);
    assert.equal(preview.status, 200);
    assert.deepEqual(
      { ...preview.body.preview, rows: preview.body.preview.rows!.length },
      { format: 'csv', count: 3, separator: ';', header: ['Prénom', 'Nom', 'Courriel', 'Portable', 'Ville', 'Anniversaire', 'Groupes'], rows: 3, mapping: ['givenName', 'familyName', 'email', 'phoneCell', 'city', 'birthday', 'groups'] },
    );
    const bad = await send<unknown>(`/api/contacts/books/${book.id}/import?format=csv`, `${CSV}\r\nEve;Bad;eve-at-example;;;;`);
    assert.deepEqual([bad.status, bad.body.error?.code], [400, 'INVALID_IMPORT']);
    assert.match(bad.body.error!.message, /^line 5: e-mail address “eve-at-example”/);
    assert.deepEqual(await listed(), []);
    // The person's mapping: the "Ville" column left out; from line 3 on; name-only rows skipped.
    const done = await send<{ result: ImportResult }>(`/api/contacts/books/${book.id}/import?format=csv&separator=%3B&header=yes&firstLine=2&mapping=givenName,familyName,email,phoneCell,,birthday,groups&skipNameOnly=yes&group=Import%20du%207%20d%C3%A9cembre`, CSV);
    assert.equal(done.status, 201);
    assert.deepEqual(done.body.result, { imported: 2, skipped: 1, group: 'Import du 7 décembre' });
    const people = await listed();
    assert.deepEqual(
      people.map((c) => [c.displayName, c.addresses, c.groups]),
      [
        ['Jean; dit "JJ" Dupont', [], ['Import du 7 décembre']],
        ['Zoé Müller', [], ['Amis', 'Import du 7 décembre']],
      ],
    );
    // vCards: previewed by name, imported with what they hold.
    const vcf = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Vic Card\r\nN:Card;Vic;;;\r\nTEL;TYPE=CELL:+41 79 999 99 99\r\nNICKNAME:Vicky\r\nEND:VCARD\r\n';
    const vprev = await send<{ preview: ImportPreview }>('/api/contacts/import/preview?format=vcard', vcf, me.token, 'text/vcard');
    assert.deepEqual(vprev.body.preview, { format: 'vcard', count: 1, names: ['Vic Card'] });
    assert.equal((await send(`/api/contacts/books/${book.id}/import?format=vcard`, vcf, me.token, 'text/vcard')).status, 201);
    const exported = await fetch(`${base}/api/contacts/books/${book.id}/export`, { headers: { authorization: `Bearer ${me.token}` } });
    assert.match(await exported.text(), /NICKNAME:Vicky\r\n/);
  });

  test('refused with a clear status and nothing stored: no session, another person’s book, bad queries, hostile files', async () => {
    const before = (await listed()).length;
    assert.equal((await send('/api/contacts/import/preview?format=csv', CSV, null)).status, 401);
    const other = await signup(base, 'Otto');
    const foreign = await send<unknown>(`/api/contacts/books/${book.id}/import?format=csv`, CSV, other.token);
    assert.deepEqual([foreign.status, foreign.body.error?.code], [404, 'ADDRESS_BOOK_NOT_FOUND']);
    for (const q of ['format=xls', 'format=csv&separator=x', 'format=csv&firstLine=0', 'format=csv&mapping=given%20Name', 'format=csv&extra=1', 'format=csv&group=']) {
      assert.equal((await send(`/api/contacts/books/${book.id}/import?${q}`, CSV)).status, 400, q);
    }
    const unknownField = await send<unknown>(`/api/contacts/books/${book.id}/import?format=csv&mapping=givenName,password`, CSV);
    assert.match(unknownField.body.error!.message, /“password” is no field/);
    for (const [body, why] of [
      [Buffer.from('Prénom;Nom\r\nZoé;Müller\r\n', 'latin1'), /not UTF-8/],
      [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]), /not UTF-8|NUL/],
      ['a;b\n'.repeat(10_001), /more than 10,000 lines/],
      ['', /no (rows|file)/],
    ] as const) {
      const res = await send<unknown>(`/api/contacts/books/${book.id}/import?format=csv`, body);
      assert.deepEqual([res.status, res.body.error?.code], [400, 'INVALID_IMPORT'], String(why));
      assert.match(res.body.error!.message, why);
    }
    const nested = await send<unknown>(`/api/contacts/books/${book.id}/import?format=vcard`, `${'BEGIN:VCARD\r\n'.repeat(2)}FN:x\r\nEND:VCARD\r\n`, me.token, 'text/vcard');
    assert.match(nested.body.error!.message, /line 2: a vCard begins inside another/);
    assert.equal((await listed()).length, before);
    assert.equal((await http(base, 'GET', '/healthz')).status, 200);
  });
});
