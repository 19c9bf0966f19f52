// Live changes (GET /api/changes) on PGlite and on a PostgreSQL server: a
// page hears which of its calendars and address books changed, whatever
// made the change (the web, a device over CalDAV/CardDAV, a share), and
// nothing of what it cannot see; no session, too many pages, a logout and a
// lost database connection are each handled.
import assert from 'node:assert/strict';
import pg from 'pg';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { AddressBookView, AuthReply, CalendarView, ChangeNote } from '@parley/protocol';
import type { Parley } from '../src/app.ts';
import { STREAMS_PER_USER } from '../src/suite/live/Changes.ts';
import { authed, startChatServerOn, team } from './chat-helpers.ts';
import { DB_KINDS, freshPostgresUrl } from './db.ts';
import { appPasswordOf, davRequest } from './dav-helpers.ts';

/** A page following changes: the notes heard so far, and whether the server ended the stream. */
interface Follower {
  status: number;
  notes: ChangeNote[];
  ended: Promise<void>;
  /** Waits until a note like `note` has come (15 s at most). */
  heard(note: ChangeNote): Promise<void>;
  close(): void;
}

async function follow(base: string, token: string | undefined): Promise<Follower> {
  const stop = new AbortController();
  const res = await fetch(`${base}/api/changes`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: stop.signal });
  const notes: ChangeNote[] = [];
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          for (const line of buffered.slice(0, end).split('\n')) if (line.startsWith('data: ')) notes.push(JSON.parse(line.slice(6)) as ChangeNote);
          buffered = buffered.slice(end + 2);
        }
      }
    } catch {
      // Aborted by the test.
    }
  })();
  const same = (a: ChangeNote, b: ChangeNote) => JSON.stringify(a) === JSON.stringify(b);
  return {
    status: res.status,
    notes,
    ended,
    async heard(note) {
      const deadline = Date.now() + 15_000;
      while (!notes.some((n) => same(n, note))) {
        if (Date.now() > deadline) throw new Error(`never heard ${JSON.stringify(note)}; heard ${JSON.stringify(notes)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => stop.abort(),
  };
}

for (const kind of DB_KINDS) {
  describe(`live changes on ${kind}`, () => {
    let parley: Parley;
    let base: string;
    let databaseUrl: string | undefined;
    let owner: AuthReply;
    let ann: AuthReply;
    let orgId: string;
    beforeAll(async () => {
      databaseUrl = kind === 'postgres' ? await freshPostgresUrl() : undefined;
      parley = await startChatServerOn(kind, databaseUrl);
      base = parley.url;
      const t = await team(base, ['ann']);
      [owner, ann, orgId] = [t.owner, t.members[0]!, t.orgId];
    });
    afterAll(() => parley.close());

    const firstBook = async (who: AuthReply) => (await authed<{ books: AddressBookView[] }>(base, who.token, 'GET', '/api/contacts/books')).body.books[0]!;
    const ownCalendar = async (who: AuthReply) =>
      (await authed<{ calendars: CalendarView[] }>(base, who.token, 'GET', `/api/orgs/${orgId}/calendars`)).body.calendars.find((c) => c.access === 'owner')!;
    const event = (who: AuthReply, calendarId: string, title: string) =>
      authed(base, who.token, 'POST', '/api/events', { calendarId, title, timeZone: 'Europe/Zurich', start: '2026-12-09T10:00', end: '2026-12-09T11:00' });

    test('a page hears of changes to what it sees, made on the web or by a device, and of nothing else', async () => {
      const book = await firstBook(owner);
      const annBook = await firstBook(ann);
      const cal = await ownCalendar(owner);
      const secret = (await authed<{ calendar: CalendarView }>(base, owner.token, 'POST', '/api/calendars', { orgId, name: 'Secret' })).body.calendar;
      const mine = await follow(base, owner.token);
      const hers = await follow(base, ann.token);
      assert.equal(mine.status, 200);
      // A change of Ann's own: once she hears of it, she has heard of all
      // committed before it (notes keep the database's order).
      let n = 0;
      const barrier = async () => {
        assert.equal((await authed(base, ann.token, 'POST', `/api/contacts/books/${annBook.id}/contacts`, { givenName: 'Her', familyName: `Own ${++n}` })).status, 201);
        await hers.heard({ kind: 'contacts', id: annBook.id });
        const heard = hers.notes.splice(0);
        return heard.filter((x) => !(x.kind === 'contacts' && x.id === annBook.id));
      };
      try {
        // The web.
        assert.equal((await authed(base, owner.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'Wendy', familyName: 'Web' })).status, 201);
        await mine.heard({ kind: 'contacts', id: book.id });
        assert.equal((await event(owner, cal.id, 'Planning')).status, 201);
        await mine.heard({ kind: 'calendar', id: cal.id });
        assert.equal((await event(owner, secret.id, 'Secret plan')).status, 201);
        await mine.heard({ kind: 'calendar', id: secret.id });
        // A device, over CardDAV and CalDAV.
        mine.notes.length = 0;
        const auth = await appPasswordOf(base, owner);
        const dav = async (method: string, path: string, body: string, type: string) => (await davRequest(base, method, path, auth, body, { 'content-type': type })).status;
        const card = 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:dev-1\r\nFN:Dev Ice\r\nN:Ice;Dev;;;\r\nEND:VCARD\r\n';
        assert.equal(await dav('PUT', `/dav/addressbooks/${owner.user.id}/${book.id}/dev-1.vcf`, card, 'text/vcard'), 201);
        await mine.heard({ kind: 'contacts', id: book.id });
        const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:dev-ev-1', 'DTSTAMP:20261201T080000Z', 'DTSTART:20261210T090000Z', 'DTEND:20261210T100000Z', 'SUMMARY:From the phone', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
        assert.equal(await dav('PUT', `/dav/calendars/${owner.user.id}/${cal.id}/dev-ev-1.ics`, ics, 'text/calendar'), 201);
        await mine.heard({ kind: 'calendar', id: cal.id });
        // Ann heard nothing of all that: not her book, not calendars she cannot see.
        assert.deepEqual(await barrier(), []);

        // A share tells its new reader, and from then on she hears of the calendar's changes.
        assert.equal((await authed(base, owner.token, 'PUT', `/api/calendars/${cal.id}/shares`, { userId: ann.user.id, access: 'read' })).status, 200);
        await hers.heard({ kind: 'calendar', id: cal.id });
        await barrier();
        assert.equal((await event(owner, cal.id, 'Review')).status, 201);
        await hers.heard({ kind: 'calendar', id: cal.id });
        // Taking it back tells her too (her page drops it); then she hears no more of it.
        assert.equal((await authed(base, owner.token, 'PUT', `/api/calendars/${cal.id}/shares`, { userId: ann.user.id, access: 'none' })).status, 200);
        await hers.heard({ kind: 'calendar', id: cal.id });
        await barrier();
        assert.equal((await event(owner, cal.id, 'Private')).status, 201);
        assert.equal((await event(owner, secret.id, 'More secrets')).status, 201);
        assert.equal((await authed(base, owner.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'Only', familyName: 'Mine' })).status, 201);
        assert.deepEqual(await barrier(), [], 'nothing of a calendar no longer shared, nor of another person’s book');
        // An address book shared with her: she hears of the share, then of its cards.
        assert.equal((await authed(base, owner.token, 'PUT', `/api/contacts/books/${book.id}/shares`, { userId: ann.user.id, access: 'read' })).status, 200);
        await hers.heard({ kind: 'contacts', id: book.id });
        await barrier();
        assert.equal((await authed(base, owner.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'Shared', familyName: 'Card' })).status, 201);
        await hers.heard({ kind: 'contacts', id: book.id });
        // Changes to calendars and books at once, gathered into one sending: each page hears of what it sees of them, and only that.
        await barrier();
        mine.notes.length = 0;
        const made = await Promise.all([event(owner, cal.id, 'At once 1'), event(owner, secret.id, 'At once 2'), authed(base, owner.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'At', familyName: 'Once' })]);
        assert.deepEqual(made.map((r) => r.status), [201, 201, 201]);
        for (const note of [{ kind: 'calendar', id: cal.id }, { kind: 'calendar', id: secret.id }, { kind: 'contacts', id: book.id }] as const) await mine.heard(note);
        await hers.heard({ kind: 'contacts', id: book.id });
        const heardByAnn = await barrier();
        assert.ok(heardByAnn.every((x) => x.kind === 'contacts' && x.id === book.id), `nothing of the two calendars: ${JSON.stringify(heardByAnn)}`);
      } finally {
        mine.close();
        hers.close();
      }
    });

    test('no session: 401; a page too many: RATE_LIMITED; a logout ends the stream', async () => {
      const none = await follow(base, undefined);
      assert.equal(none.status, 401);
      const bad = await follow(base, 'not-a-token');
      assert.equal(bad.status, 401);
      const pages = await Promise.all(Array.from({ length: STREAMS_PER_USER }, () => follow(base, ann.token)));
      try {
        assert.ok(pages.every((p) => p.status === 200));
        const extra = await fetch(`${base}/api/changes`, { headers: { authorization: `Bearer ${ann.token}` } });
        assert.equal(extra.status, 429);
        assert.equal(((await extra.json()) as { error: { code: string } }).error.code, 'RATE_LIMITED');
      } finally {
        for (const p of pages) p.close();
      }
      // A session of her own, signed out: its stream ends; her other session's page goes on.
      const login = await authed<AuthReply>(base, '', 'POST', '/api/auth/login', { login: ann.user.email, password: 'correct horse battery' });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const other = await follow(base, ann.token);
      const leaving = await follow(base, login.body.token);
      assert.equal((await authed(base, login.body.token, 'POST', '/api/auth/logout')).status, 200);
      await leaving.ended;
      const annBook = await firstBook(ann);
      assert.equal((await authed(base, ann.token, 'PATCH', `/api/contacts/books/${annBook.id}`, { name: 'Renamed' })).status, 200);
      await other.heard({ kind: 'contacts', id: annBook.id });
      other.close();
    });

    test.skipIf(kind !== 'postgres')('a lost connection to the database: listening starts again, and pages are told to read again', async () => {
      const page = await follow(base, owner.token);
      try {
        const admin = new pg.Client({ connectionString: databaseUrl });
        await admin.connect();
        try {
          const cut = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen %'`);
          assert.equal(cut.rowCount, 1, 'one listening connection');
        } finally {
          await admin.end();
        }
        await page.heard({ kind: 'resync' });
        // And it listens again.
        const book = await firstBook(owner);
        assert.equal((await authed(base, owner.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'After', familyName: 'Cut' })).status, 201);
        await page.heard({ kind: 'contacts', id: book.id });
      } finally {
        page.close();
      }
    });
  });
}
