// CardDAV as devices speak it: tsdav (a CalDAV/CardDAV client from npm that
// no one here wrote) finds the address books from the server's name alone,
// reads, writes, syncs and deletes cards; raw requests send what a client
// never should (foreign collections, traversal, XML bombs, binary vCards)
// and check it is refused with nothing changed. The sync rules (change
// numbers, the trash, tokens too old) are tested on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import http from 'node:http';
import { afterAll, beforeAll, describe, test } from 'vitest';
import ICAL from 'ical.js';
import { createDAVClient, type DAVAddressBook } from 'tsdav';
import { DomainError, type AddressBookView, type AuthReply, type ContactView, type NewAppPasswordReply } from '@parley/protocol';
import { Accounts, type UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import { Contacts } from '../src/suite/contacts/Contacts.ts';
import { ContactStore } from '../src/suite/contacts/store.ts';
import type { Db } from '../src/store/db.ts';
import type { Parley } from '../src/app.ts';
import { DB_KINDS, testDb } from './db.ts';
import { authed, signup, startChatServer, TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';

const PASSWORD = 'correct horse battery';
const code = (c: string) => (e: unknown) => e instanceof DomainError && e.code === c;
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

const vcard3 = (uid: string, fn: string, more = '') =>
  `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn.split(' ').reverse().join(';')};;;\r\nEMAIL;TYPE=INTERNET,WORK:${uid}@example.org\r\n${more}END:VCARD\r\n`;

for (const kind of DB_KINDS) {
  describe(`CardDAV sync rules on ${kind}`, () => {
    let db: Db;
    let accounts: Accounts;
    let contacts: Contacts;
    beforeAll(async () => {
      db = await testDb(kind);
      accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
      contacts = new Contacts(new ContactStore(db), { perBook: 3 });
    });
    afterAll(() => db.close());
    const user = (): Promise<UserRow> => {
      const id = uniq();
      return accounts.signup({ email: `d-${id}@example.org`, username: `d${id}`, name: `D ${id}`, password: PASSWORD }, { address: 'test' });
    };

    test('every change is numbered; a sync from a number tells what changed and what was deleted since, and nothing else', async () => {
      const me = await user();
      const [book] = await contacts.books(me.id);
      const web = await contacts.create(me.id, book!.id, { givenName: 'Ada', familyName: 'Web' });
      const made = await contacts.davPut(me.id, book!.id, 'phone-1.vcf', vcard3('phone-1', 'Bea Phone'));
      assert.equal(made.created, true);
      const start = await contacts.davChanges(me.id, book!.id);
      assert.deepEqual(start.changed.map((c) => c.href).sort(), [`${web.id}.vcf`, 'phone-1.vcf'].sort());
      assert.deepEqual(start.deleted, []);
      // Nothing changed: nothing to tell.
      assert.deepEqual(await contacts.davChanges(me.id, book!.id, start.lastSeq), { lastSeq: start.lastSeq, changed: [], deleted: [] });
      await contacts.update(me.id, web.id, { givenName: 'Ada', familyName: 'Webb' });
      await contacts.davDelete(me.id, book!.id, 'phone-1.vcf');
      const next = await contacts.davChanges(me.id, book!.id, start.lastSeq);
      assert.deepEqual(next.changed.map((c) => c.href), [`${web.id}.vcf`]);
      assert.match(next.changed[0]!.vcard(), /FN:Ada Webb/);
      assert.deepEqual(next.deleted, ['phone-1.vcf']);
      // Deleted over DAV: in Parley's trash, and back from it in the next sync.
      const [trashed] = await contacts.trash(me.id, book!.id);
      assert.equal(trashed!.displayName, 'Bea Phone');
      await contacts.restore(me.id, trashed!.id);
      const back = await contacts.davChanges(me.id, book!.id, next.lastSeq);
      assert.deepEqual([back.changed.map((c) => c.href), back.deleted], [['phone-1.vcf'], []]);
      // A number the book never gave.
      await assert.rejects(contacts.davChanges(me.id, book!.id, back.lastSeq + 1), code('INVALID_SYNC_TOKEN'));
    });

    test('a deletion that has left the trash for good makes older sync numbers invalid: the device syncs from scratch, and is never told a lie', async () => {
      const me = await user();
      const [book] = await contacts.books(me.id);
      for (const i of [1, 2, 3]) await contacts.davPut(me.id, book!.id, `c${i}.vcf`, vcard3(`c${i}`, `Card ${i}`));
      const seen = (await contacts.davChanges(me.id, book!.id)).lastSeq;
      // The trash keeps as many cards as a book holds (3 here): the fourth deletion forgets the first.
      for (const i of [1, 2, 3]) await contacts.davDelete(me.id, book!.id, `c${i}.vcf`);
      await contacts.davChanges(me.id, book!.id, seen);
      await contacts.davPut(me.id, book!.id, 'c4.vcf', vcard3('c4', 'Card 4'));
      await contacts.davDelete(me.id, book!.id, 'c4.vcf');
      await assert.rejects(contacts.davChanges(me.id, book!.id, seen), code('INVALID_SYNC_TOKEN'));
      const fresh = await contacts.davChanges(me.id, book!.id);
      assert.deepEqual(fresh.changed, []);
      // Writing a card anew under a trashed card's name or UID takes the trashed one out for good.
      await contacts.davPut(me.id, book!.id, 'c3.vcf', vcard3('c3', 'Card 3 again'));
      assert.deepEqual((await contacts.davChanges(me.id, book!.id)).changed.map((c) => c.href), ['c3.vcf']);
      assert.ok(!(await contacts.trash(me.id, book!.id)).some((c) => c.uid === 'c3'));
    });

    test('If-Match and If-None-Match hold under races; a UID lives once per book; another person’s book is not found', async () => {
      const me = await user();
      const other = await user();
      const [book] = await contacts.books(me.id);
      const first = await contacts.davPut(me.id, book!.id, 'x.vcf', vcard3('x', 'Xavier One'), { ifNoneMatch: true });
      await assert.rejects(contacts.davPut(me.id, book!.id, 'x.vcf', vcard3('x', 'Xavier Two'), { ifNoneMatch: true }), code('PRECONDITION_FAILED'));
      // Two devices edit from the same ETag at once: one wins, the other is told, nothing is lost silently.
      const results = await Promise.allSettled([
        contacts.davPut(me.id, book!.id, 'x.vcf', vcard3('x', 'Xavier Left'), { ifMatch: first.etag }),
        contacts.davPut(me.id, book!.id, 'x.vcf', vcard3('x', 'Xavier Right'), { ifMatch: first.etag }),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      assert.ok(code('PRECONDITION_FAILED')((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason));
      await assert.rejects(contacts.davPut(me.id, book!.id, 'y.vcf', vcard3('x', 'Same UID')), code('UID_CONFLICT'));
      await assert.rejects(contacts.davPut(me.id, book!.id, 'x.vcf', vcard3('changed-uid', 'Xavier')), code('UID_CONFLICT'));
      await assert.rejects(contacts.davDelete(me.id, book!.id, 'x.vcf', 'not-its-etag'), code('PRECONDITION_FAILED'));
      assert.equal((await contacts.davGet(me.id, book!.id, ['x.vcf'])).length, 1);
      await assert.rejects(contacts.davPut(other.id, book!.id, 'z.vcf', vcard3('z', 'Intruder')), code('ADDRESS_BOOK_NOT_FOUND'));
      await assert.rejects(contacts.davChanges(other.id, book!.id), code('ADDRESS_BOOK_NOT_FOUND'));
      await assert.rejects(contacts.davDelete(other.id, book!.id, 'x.vcf'), code('ADDRESS_BOOK_NOT_FOUND'));
      assert.equal((await contacts.davGet(me.id, book!.id, ['x.vcf'])).length, 1);
    });

    test('a device’s vCard 3.0: the fields Parley knows are its own, the rest (photo, nickname, X- fields) comes back as written', async () => {
      const me = await user();
      const [book] = await contacts.books(me.id);
      const more =
        'TEL;TYPE=CELL:+41 79 123 45 67\r\nTEL;VALUE=uri;TYPE=work:tel:+41-44-000-00-00\r\nADR;TYPE=HOME:;;Rue du Lac 1;Genève;GE;1200;Suisse\r\nORG:ACME SA;Ventes\r\nBDAY:19800517\r\n' +
        'CATEGORIES:Amis,Travail\r\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg==\r\nNICKNAME:Jo\r\nX-PHONETIC-LAST-NAME:Myuler\r\nEMAIL:not-an-address\r\nNOTE:Deux lignes\\, une virgule\\nfin\r\n';
      await contacts.davPut(me.id, book!.id, 'jo.vcf', vcard3('jo-1', 'Jo Müller', more));
      const [view] = (await contacts.search(me.id, 'muller')) as ContactView[];
      assert.ok(view);
      assert.deepEqual(
        { given: view.givenName, family: view.familyName, org: view.organization, dept: view.department, emails: view.emails, phones: view.phones, addresses: view.addresses, birthday: view.birthday, groups: view.groups, note: view.note },
        {
          given: 'Jo',
          family: 'Müller',
          org: 'ACME SA',
          dept: 'Ventes',
          emails: [{ value: 'jo-1@example.org', type: 'work' }],
          phones: [
            { value: '+41 79 123 45 67', type: 'cell' },
            { value: '+41-44-000-00-00', type: 'work' },
          ],
          addresses: [{ street: 'Rue du Lac 1', city: 'Genève', region: 'GE', postcode: '1200', country: 'Suisse', type: 'home' }],
          birthday: '1980-05-17',
          groups: ['Amis', 'Travail'],
          note: 'Deux lignes, une virgule\nfin',
        },
      );
      // Edited in Parley: the device's own properties stay.
      await contacts.update(me.id, view.id, { givenName: 'Joanna', familyName: 'Müller' });
      const [card] = await contacts.davGet(me.id, book!.id, ['jo.vcf']);
      const text = card!.vcard();
      for (const line of ['UID:jo-1', 'FN:Joanna Müller', 'PHOTO:data:image/jpeg;base64,/9j/4AAQSkZJRg==', 'NICKNAME:Jo', 'X-PHONETIC-LAST-NAME:Myuler', 'EMAIL:not-an-address']) assert.ok(text.includes(`${line}\r\n`), `${line} in\n${text}`);
      // Not a vCard, two of them, or one with nothing to call it by: refused, nothing stored.
      for (const bad of ['hello', `${vcard3('a', 'A')}${vcard3('b', 'B')}`, 'BEGIN:VCARD\r\nVERSION:4.0\r\nUID:empty\r\nEND:VCARD\r\n', 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nBEGIN:VCARD\r\nFN:B\r\nEND:VCARD\r\nEND:VCARD\r\n'])
        await assert.rejects(contacts.davPut(me.id, book!.id, 'bad.vcf', bad), code('INVALID_PAYLOAD'));
      assert.deepEqual(await contacts.davGet(me.id, book!.id, ['bad.vcf']), []);
    });
  });
}

/** A raw request, with the path sent as written (fetch would resolve "..") and Basic auth. */
function raw(base: string, method: string, path: string, opts: { auth?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path, headers: { ...(opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {}), ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('CardDAV over HTTP, with a real client', () => {
  let parley: Parley;
  let base: string;
  let me: AuthReply;
  let other: AuthReply;
  let auth: string;
  let otherAuth: string;
  const appPassword = async (who: AuthReply) => {
    const made = await authed<NewAppPasswordReply>(base, who.token, 'POST', '/api/me/app-passwords', { name: 'tsdav', password: PASSWORD });
    return `${who.user.username}:${made.body.secret}`;
  };
  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
    me = await signup(base, 'Carla');
    other = await signup(base, 'Otto');
    auth = await appPassword(me);
    otherAuth = await appPassword(other);
  });
  afterAll(() => parley.close());

  const client = (credentials: string) => {
    const [username, password] = credentials.split(/:(.*)/s);
    return createDAVClient({ serverUrl: base, credentials: { username, password }, authMethod: 'Basic', defaultAccountType: 'carddav' });
  };

  test('tsdav finds the books from the server’s name, and reads, writes, syncs and deletes cards that Parley shows', async () => {
    const dav = await client(auth);
    const books = await dav.fetchAddressBooks();
    assert.deepEqual(
      books.map((b) => b.displayName),
      ['Contacts'],
    );
    const book = books[0] as DAVAddressBook;
    const [webBook] = (await authed<{ books: AddressBookView[] }>(base, me.token, 'GET', '/api/contacts/books')).body.books;
    assert.ok(book.url.endsWith(`/dav/addressbooks/${me.user.id}/${webBook!.id}/`), book.url);
    const fromWeb = (await authed<{ contact: ContactView }>(base, me.token, 'POST', `/api/contacts/books/${webBook!.id}/contacts`, { givenName: 'Wendy', familyName: 'Web', emails: [{ value: 'wendy@example.org' }] })).body.contact;

    const created = await dav.createVCard({ addressBook: book, filename: 'tess.vcf', vCardString: vcard3('tess-1', 'Tess Device') });
    assert.equal(created.status, 201);
    let cards = await dav.fetchVCards({ addressBook: book });
    assert.deepEqual(cards.map((c) => /FN:(.*)\r\n/.exec(String(c.data))?.[1]).sort(), ['Tess Device', 'Wendy Web']);
    const listed = (await authed<{ contacts: ContactView[] }>(base, me.token, 'GET', `/api/contacts/books/${webBook!.id}/contacts`)).body.contacts;
    assert.deepEqual(listed.map((c) => c.displayName), ['Tess Device', 'Wendy Web']);

    // Sync: a token taken now, with both cards in the book, then only what changed since.
    const synced = await dav.syncCollection({ url: book.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: '' });
    assert.equal(synced.length, 2);
    const token = (await dav.fetchAddressBooks()).find((b) => b.url === book.url)!.syncToken as string;
    assert.match(token, /^urn:parley:sync:/);
    const tess = cards.find((c) => String(c.data).includes('Tess'))!;
    const updated = await dav.updateVCard({ vCard: { ...tess, data: String(tess.data).replace('Tess Device', 'Tess Renamed') } });
    assert.equal(updated.status, 204);
    // The same ETag again: the card changed since, the device is told (412) and nothing changes.
    const stale = await dav.updateVCard({ vCard: { ...tess, data: String(tess.data).replace('Tess Device', 'Tess Stale') } });
    assert.equal(stale.status, 412);
    await authed(base, me.token, 'DELETE', `/api/contacts/${fromWeb.id}`);
    const changes = await dav.syncCollection({ url: book.url, props: { 'd:getetag': {}, 'card:address-data': {} }, syncLevel: 1, syncToken: token });
    const byHref = new Map(changes.map((r) => [decodeURIComponent(r.href!.split('/').pop()!), r]));
    assert.deepEqual([...byHref.keys()].sort(), [`${fromWeb.id}.vcf`, 'tess.vcf'].sort());
    assert.equal(byHref.get(`${fromWeb.id}.vcf`)!.status, 404);
    assert.match(String(Object.values(byHref.get('tess.vcf')!.props!).join(' ')), /Tess Renamed/);

    cards = await dav.fetchVCards({ addressBook: book });
    const renamed = cards.find((c) => String(c.data).includes('Tess Renamed'))!;
    assert.equal((await dav.deleteVCard({ vCard: renamed })).status, 204);
    assert.deepEqual(await dav.fetchVCards({ addressBook: book }), []);
    const trash = (await authed<{ contacts: ContactView[] }>(base, me.token, 'GET', `/api/contacts/books/${webBook!.id}/trash`)).body.contacts;
    assert.deepEqual(trash.map((c) => c.displayName).sort(), ['Tess Renamed', 'Wendy Web']);
  });

  test('vCard 3.0 unless a device asks for 4.0 (Accept, address-data version), a photo inline in 3.0 and a data: URI in 4.0', async () => {
    const book = (await authed<{ book: AddressBookView }>(base, me.token, 'POST', '/api/contacts/books', { name: 'Versions' })).body.book;
    const path = `/dav/addressbooks/${me.user.id}/${book.id}/`;
    const put = await raw(base, 'PUT', `${path}pic.vcf`, { auth, body: vcard3('pic-1', 'Pia Picture', 'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ\r\nBDAY:1990-04-02\r\n'), headers: { 'content-type': 'text/vcard; charset=utf-8' } });
    assert.equal(put.status, 201);
    const v3 = await raw(base, 'GET', `${path}pic.vcf`, { auth });
    assert.match(v3.text, /^BEGIN:VCARD\r\nVERSION:3\.0\r\n/);
    assert.match(v3.text, /\r\nPHOTO;ENCODING=b;TYPE=JPEG:\/9j\/4AAQ\r\n/);
    assert.match(String(v3.headers.etag), /^"[^"]+"$/);
    const v4 = await raw(base, 'GET', `${path}pic.vcf`, { auth, headers: { accept: 'text/vcard; version=4.0' } });
    assert.match(v4.text, /^BEGIN:VCARD\r\nVERSION:4\.0\r\n/);
    assert.match(v4.text, /\r\nPHOTO:data:image\/jpeg;base64,\/9j\/4AAQ\r\n/);
    const multiget = (version: string) =>
      raw(base, 'REPORT', path, {
        auth,
        body: `<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data content-type="text/vcard" version="${version}"/></d:prop><d:href>${path}pic.vcf</d:href></c:addressbook-multiget>`,
      });
    assert.match((await multiget('4.0')).text, /VERSION:4\.0/);
    assert.match((await multiget('3.0')).text, /VERSION:3\.0/);
    // Both read back by ical.js to the same card.
    for (const text of [v3.text, v4.text]) {
      const card = new ICAL.Component(ICAL.parse(text));
      assert.deepEqual([card.getFirstPropertyValue('fn'), card.getFirstPropertyValue('uid'), String(card.getFirstPropertyValue('bday')).slice(0, 10)], ['Pia Picture', 'pic-1', '1990-04-02']);
    }
  });

  test('no app password, the account password or a wrong one: 401 and a Basic challenge; the OPTIONS probe needs none', async () => {
    const home = `/dav/addressbooks/${me.user.id}/`;
    for (const credentials of [undefined, `${me.user.username}:${PASSWORD}`, `${me.user.username}:abcde-fghij-kmnpq-rstuv`, `${other.user.username}:${auth.split(/:(.*)/s)[1]}`, ':', 'x'.repeat(2000)]) {
      const res = await raw(base, 'PROPFIND', home, { auth: credentials, headers: { depth: '0' } });
      assert.equal(res.status, 401, String(credentials));
      assert.match(String(res.headers['www-authenticate']), /^Basic realm="Parley"/);
    }
    const options = await raw(base, 'OPTIONS', home);
    assert.equal(options.status, 200);
    assert.match(String(options.headers.dav), /addressbook/);
    const wellKnown = await raw(base, 'GET', '/.well-known/carddav');
    assert.deepEqual([wellKnown.status, wellKnown.headers.location], [301, '/dav/']);
  });

  test('another person’s principal, home, book and cards are not found, by any method; nothing of theirs changes', async () => {
    const [theirs] = (await authed<{ books: AddressBookView[] }>(base, other.token, 'GET', '/api/contacts/books')).body.books;
    const mine = `/dav/addressbooks/${me.user.id}/`;
    const book = `/dav/addressbooks/${other.user.id}/${theirs!.id}/`;
    await raw(base, 'PUT', `${book}secret.vcf`, { auth: otherAuth, body: vcard3('secret', 'Otto Secret'), headers: { 'content-type': 'text/vcard' } });
    const tries: [string, string, string?][] = [
      ['PROPFIND', `/dav/principals/${other.user.id}/`],
      ['PROPFIND', `/dav/addressbooks/${other.user.id}/`],
      ['PROPFIND', book],
      ['REPORT', book, '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:prop><d:getetag/></d:prop></d:sync-collection>'],
      ['GET', `${book}secret.vcf`],
      ['PUT', `${book}secret.vcf`, vcard3('secret', 'Overwritten')],
      ['DELETE', `${book}secret.vcf`],
      ['PROPPATCH', book, '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Mine now</d:displayname></d:prop></d:set></d:propertyupdate>'],
      // Their book's id under my home: still theirs, by every method.
      ['PROPFIND', `${mine}${theirs!.id}/`],
      ['PUT', `${mine}${theirs!.id}/x.vcf`, vcard3('x', 'Planted')],
      ['GET', `${mine}${theirs!.id}/secret.vcf`],
      ['DELETE', `${mine}${theirs!.id}/secret.vcf`],
      ['PROPFIND', `${mine}${theirs!.id}/secret.vcf`],
      ['REPORT', `${mine}${theirs!.id}/`, '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:prop><d:getetag/></d:prop></d:sync-collection>'],
      ['REPORT', `${mine}${theirs!.id}/`, `<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><c:address-data/></d:prop><d:href>${mine}${theirs!.id}/secret.vcf</d:href></c:addressbook-multiget>`],
      ['REPORT', `${mine}${theirs!.id}/`, '<c:addressbook-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop></c:addressbook-query>'],
      ['PROPPATCH', `${mine}${theirs!.id}/`, '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Mine now</d:displayname></d:prop></d:set></d:propertyupdate>'],
    ];
    for (const [method, path, body] of tries) {
      const res = await raw(base, method, path, { auth, body, headers: { depth: '1', ...(method === 'PUT' ? { 'content-type': 'text/vcard' } : {}) } });
      assert.equal(res.status, 404, `${method} ${path}: ${res.status} ${res.text}`);
    }
    // A multiget in my book naming their card: not found for that href.
    const [myBook] = (await authed<{ books: AddressBookView[] }>(base, me.token, 'GET', '/api/contacts/books')).body.books;
    const multiget = await raw(base, 'REPORT', `${mine}${myBook!.id}/`, {
      auth,
      body: `<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><c:address-data/></d:prop><d:href>${book}secret.vcf</d:href></c:addressbook-multiget>`,
    });
    assert.equal(multiget.status, 207);
    assert.match(multiget.text, /404 Not Found/);
    assert.doesNotMatch(multiget.text, /Otto Secret/);
    const theirCards = (await authed<{ contacts: ContactView[] }>(base, other.token, 'GET', `/api/contacts/books/${theirs!.id}/contacts`)).body.contacts;
    assert.deepEqual(theirCards.map((c) => c.displayName), ['Otto Secret']);
    assert.equal((await authed<{ books: AddressBookView[] }>(base, other.token, 'GET', '/api/contacts/books')).body.books[0]!.name, 'Contacts');
  });

  test('hostile requests are refused with a clear status and change nothing: traversal, XML bombs, deep or huge XML, binary and oversized vCards', async () => {
    const book = (await authed<{ book: AddressBookView }>(base, me.token, 'POST', '/api/contacts/books', { name: 'Hostile' })).body.book;
    const path = `/dav/addressbooks/${me.user.id}/${book!.id}/`;
    const before = (await raw(base, 'PROPFIND', path, { auth, headers: { depth: '0' } })).text.match(/urn:parley:sync:[^<]+/)![0];
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&lol3;</d:displayname></d:prop></d:propfind>`;
    const external = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&xxe;</d:displayname></d:prop></d:propfind>`;
    const deep = `${'<d:prop xmlns:d="DAV:">'.repeat(5000)}${'</d:prop>'.repeat(5000)}`;
    const wide = `<d:propfind xmlns:d="DAV:"><d:prop>${'<d:x/>'.repeat(20_000)}</d:prop></d:propfind>`;
    const cases: [string, string, string | Buffer, number, Record<string, string>?][] = [
      ['PROPFIND', path, bomb, 400],
      ['PROPFIND', path, external, 400],
      ['PROPFIND', path, deep, 400],
      ['PROPFIND', path, wide, 400],
      ['PROPFIND', path, '<d:propfind xmlns:d="DAV:"><d:prop>', 400],
      ['PROPFIND', path, '<d:propfind xmlns:d="DAV:"/>', 403, { depth: 'infinity' }],
      ['REPORT', path, `<d:sync-collection xmlns:d="DAV:"><d:sync-token>urn:parley:sync:${book!.id}:999999</d:sync-token></d:sync-collection>`, 403],
      ['REPORT', path, '<d:sync-collection xmlns:d="DAV:"><d:sync-token>urn:parley:sync:someone-else:1</d:sync-token></d:sync-collection>', 403],
      ['REPORT', path, '<d:expand-property xmlns:d="DAV:"/>', 403],
      ['PROPFIND', path, Buffer.from([0x3c, 0xff, 0xfe, 0x00, 0x41]), 400],
      ['PUT', `${path}bin.vcf`, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]), 400, { 'content-type': 'text/vcard' }],
      ['PUT', `${path}latin1.vcf`, Buffer.from(vcard3('latin', 'José Latin'), 'latin1'), 400, { 'content-type': 'text/vcard' }],
      ['PUT', `${path}json.vcf`, '{"fn":"x"}', 415, { 'content-type': 'application/json' }],
      ['PUT', `${path}huge.vcf`, vcard3('huge', 'Huge Line', `NOTE:${'x'.repeat(1_100_000)}\r\n`), 413, { 'content-type': 'text/vcard' }],
      ['PUT', `${path}nested.vcf`, `${'BEGIN:VCARD\r\n'.repeat(3000)}FN:x\r\n${'END:VCARD\r\n'.repeat(3000)}`, 400, { 'content-type': 'text/vcard' }],
      ['PUT', `${path}many.vcf`, vcard3('many', 'Many Props', 'X-A:1\r\n'.repeat(500)), 400, { 'content-type': 'text/vcard' }],
      ['PUT', `/dav/addressbooks/${me.user.id}/${book!.id}/..%2F..%2Fx.vcf`, vcard3('t', 'Traversal'), 400, { 'content-type': 'text/vcard' }],
      ['PUT', `/dav/addressbooks/${me.user.id}/${book!.id}/%2e%2e/x.vcf`, vcard3('t', 'Traversal'), 400, { 'content-type': 'text/vcard' }],
      ['PUT', `/dav/addressbooks/${me.user.id}/${book!.id}/a%5Cb.vcf`, vcard3('t', 'Backslash'), 400, { 'content-type': 'text/vcard' }],
      ['PROPFIND', `/dav/addressbooks/${me.user.id}/../${other.user.id}/`, '', 400],
      ['PROPFIND', `/dav/addressbooks/${me.user.id}/%E0%A4%A/`, '', 400],
      ['DELETE', path, '', 403],
      ['MKCOL', `/dav/addressbooks/${me.user.id}/new/`, '', 403],
    ];
    for (const [method, p, body, status, headers] of cases) {
      const res = await raw(base, method, p, { auth, body, headers: { depth: '1', ...headers } });
      assert.equal(res.status, status, `${method} ${p} ${String(body).slice(0, 60)}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.doesNotMatch(res.text, /root:|lollol/);
    }
    const after = await raw(base, 'PROPFIND', path, { auth, headers: { depth: '1' } });
    assert.equal(after.text.match(/urn:parley:sync:[^<]+/)![0], before, 'no change was numbered');
    assert.doesNotMatch(after.text, /\.vcf/, 'no card was stored');
  });
});
