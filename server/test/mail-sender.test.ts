// The mail outbox sent over SMTP to a real SMTP server (smtp-server, in this
// process, with a password): a daily agenda arrives as a mail; each row is
// sent once, even by two senders at once; a refused mail is given up, a
// server that is down or says "try later" gets the mail later; the clock is
// given to each call, never waited for. On PGlite and on PostgreSQL.
import { TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { Accounts } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import { configFromEnv } from '../src/config.ts';
import type { Db } from '../src/store/db.ts';
import { Agenda } from '../src/suite/calendar/Agenda.ts';
import { AgendaStore } from '../src/suite/calendar/agenda-store.ts';
import { Calendar } from '../src/suite/calendar/Calendar.ts';
import { CalendarStore } from '../src/suite/calendar/store.ts';
import { MAX_ATTEMPTS, MailSender, retryDelay } from '../src/suite/mail/MailSender.ts';
import { DB_KINDS, testDb } from './db.ts';
import { chatDomain } from './domain.ts';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on a free port: plain text (no STARTTLS), with a password; `refuse` and `later` decide per recipient. */
class Mailbox {
  readonly received: Received[] = [];
  refuse = (_to: string) => false;
  later = (_to: string) => false;
  #server: SMTPServer | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.#server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, cb) => (auth.username === 'parley' && auth.password === 'mail secret' ? cb(null, { user: auth.username }) : cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))),
      onRcptTo: (address, _session, cb) => {
        if (this.refuse(address.address)) return cb(Object.assign(new Error('No such user here'), { responseCode: 550 }));
        if (this.later(address.address)) return cb(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.#server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
  }

  to(address: string): Received[] {
    return this.received.filter((m) => m.to.includes(address));
  }
}

const MIN = 60_000;

/** A quoted-printable body (RFC 2045) as the text it encodes. */
const quotedPrintable = (body: string): string =>
  Buffer.from(
    body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');

for (const kind of DB_KINDS) {
  describe(`the mail outbox over SMTP (${kind})`, () => {
    let db: Db;
    const box = new Mailbox();
    let n = 0;
    const sender = (password = 'mail secret', port = box.port) => new MailSender({ db, smtpUrl: `smtp://parley:${encodeURIComponent(password)}@127.0.0.1:${port}`, from: 'Parley <parley@parley.example>' });
    /** An outbox row as the suite's producers write it. */
    const queue = async (to: string, createdAt: number, subject = 'Hello') => {
      const id = `m${kind}${n++}`;
      await db.query('insert into mail_outbox (id, dedupe_key, to_address, subject, body_text, created_at) values ($1, $1, $2, $3, $4, $5)', [id, to, subject, `Body of ${id}`, createdAt]);
      return id;
    };
    const row = async (id: string) =>
      (await db.query<{ sent_at: string | null; given_up_at: string | null; attempts: number; error: string | null; next_attempt_at: string }>('select sent_at, given_up_at, attempts, error, next_attempt_at from mail_outbox where id = $1', [id]))[0]!;

    beforeAll(async () => {
      db = await testDb(kind);
      await box.start();
    });
    afterAll(async () => {
      await box.stop();
      await db.close();
    });

    test('a daily agenda arrives by mail: to its owner, with its subject, text, turn-off link and a stable Message-ID; sent once', async () => {
      const accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
      const { orgs } = chatDomain(db);
      const calendar = new Calendar(new CalendarStore(db));
      const user = await accounts.signup({ email: `ada-${kind}@example.org`, username: `ada${kind}`, name: 'Ada', password: 'correct horse battery', language: 'en' }, { address: 'test' });
      const org = await orgs.create(user.id, 'Acme');
      const calendarId = (await calendar.calendars(user.id, org.id))[0]!.id;
      await calendar.createEvent(user.id, { calendarId, title: 'Design review', timeZone: 'Europe/Zurich', start: '2026-12-02T10:00', end: '2026-12-02T11:00', location: 'Room 4' });
      const agenda = new Agenda({ store: new AgendaStore(db), calendar, secret: 's', publicUrl: () => 'https://parley.example' });
      const r = await agenda.create(user.id, { orgId: org.id, calendarId, chat: false, mail: true, time: '07:30', day: 'morning', weekdays: [0, 1, 2, 3, 4], includeRecurring: true, timeZone: 'Europe/Zurich' });
      const now = Date.parse('2026-12-02T06:31Z');
      assert.equal(await agenda.tick(now), 1);

      const mail = sender();
      assert.deepEqual(await mail.sendDue(now), { sent: 1, failed: 0, givenUp: 0 });
      const [got, ...more] = box.to(user.email);
      assert.ok(got && more.length === 0, 'one mail');
      assert.equal(got.from, 'parley@parley.example');
      const [{ id }] = (await db.query<{ id: string }>('select id from mail_outbox where user_id = $1', [user.id])) as [{ id: string }];
      assert.match(got.raw, /^Subject: Agenda for Wednesday, December 2, 2026\r$/m);
      assert.match(got.raw, /^From: Parley <parley@parley\.example>\r$/m);
      assert.match(got.raw, new RegExp(`^Message-ID: <${id}@parley\\.example>\\r$`, 'm'));
      assert.match(got.raw, /^Auto-Submitted: auto-generated\r$/m);
      assert.match(got.raw, /^Content-Transfer-Encoding: quoted-printable\r$/m);
      const [{ body_text: text }] = (await db.query<{ body_text: string }>('select body_text from mail_outbox where id = $1', [id])) as [{ body_text: string }];
      assert.equal(quotedPrintable(got.raw.slice(got.raw.indexOf('\r\n\r\n') + 4)).replace(/\r\n/g, '\n').trimEnd(), text);
      assert.match(text, /• 10:00–11:00 Design review \(Room 4\)/);
      assert.ok(text.endsWith(`https://parley.example/agenda/off/${agenda.offKey(r.id)}`), 'the turn-off link');
      // Sent once: later minutes and another node find nothing to send.
      assert.deepEqual(await mail.sendDue(now + MIN), { sent: 0, failed: 0, givenUp: 0 });
      assert.deepEqual(await sender().sendDue(now + 2 * MIN), { sent: 0, failed: 0, givenUp: 0 });
      assert.equal(box.to(user.email).length, 1);
      assert.equal(Number((await row(id)).sent_at), now);
      mail.close();
    });

    test('two senders at once send each of 25 mails once', async () => {
      const now = Date.parse('2026-12-03T08:00Z');
      const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => queue(`crowd${i}-${kind}@example.org`, now - i)));
      const [a, b] = [sender(), sender()];
      const [ra, rb] = await Promise.all([a.sendDue(now), b.sendDue(now)]);
      assert.equal(ra.sent + rb.sent, 25);
      for (let i = 0; i < 25; i++) assert.equal(box.to(`crowd${i}-${kind}@example.org`).length, 1, `crowd${i}`);
      for (const id of ids) assert.ok((await row(id)).sent_at);
      a.close();
      b.close();
    });

    test('a refused recipient is given up at once; the other mails still go', async () => {
      const now = Date.parse('2026-12-04T08:00Z');
      box.refuse = (to) => to.startsWith('nobody');
      const bad = await queue(`nobody-${kind}@example.org`, now - 2);
      const good = await queue(`bea-${kind}@example.org`, now - 1);
      const mail = sender();
      assert.deepEqual(await mail.sendDue(now), { sent: 1, failed: 0, givenUp: 1 });
      const r = await row(bad);
      assert.equal(Number(r.given_up_at), now);
      assert.match(r.error ?? '', /^EENVELOPE 550: .*No such user here/);
      assert.ok((await row(good)).sent_at);
      // Never tried again.
      assert.deepEqual(await mail.sendDue(now + 24 * 60 * MIN), { sent: 0, failed: 0, givenUp: 0 });
      box.refuse = () => false;
      mail.close();
    });

    test('"try again later" (451) and a wrong password: kept, retried after a minute, then two, and sent once fixed', async () => {
      const now = Date.parse('2026-12-05T08:00Z');
      box.later = (to) => to.startsWith('busy');
      const id = await queue(`busy-${kind}@example.org`, now);
      const mail = sender();
      assert.deepEqual(await mail.sendDue(now), { sent: 0, failed: 1, givenUp: 0 });
      let r = await row(id);
      assert.match(r.error ?? '', /^EENVELOPE 451/);
      assert.equal(Number(r.next_attempt_at), now + retryDelay(1));
      assert.equal(retryDelay(1), MIN);
      // Not before its time.
      assert.deepEqual(await mail.sendDue(now + 30_000), { sent: 0, failed: 0, givenUp: 0 });
      box.later = () => false;
      // The password is wrong now: that is the server's configuration, not the mail's fault.
      const wrong = sender('not the password');
      assert.deepEqual(await wrong.sendDue(now + MIN), { sent: 0, failed: 1, givenUp: 0 });
      r = await row(id);
      assert.match(r.error ?? '', /^EAUTH/);
      assert.equal(Number(r.next_attempt_at), now + MIN + 2 * MIN);
      assert.deepEqual(await mail.sendDue(now + 3 * MIN), { sent: 1, failed: 0, givenUp: 0 });
      r = await row(id);
      assert.equal(r.attempts, 3);
      assert.equal(r.error, null);
      assert.equal(box.to(`busy-${kind}@example.org`).length, 1);
      mail.close();
      wrong.close();
    });

    test('a server that is down: the whole batch waits, and goes once it is back; too many failures give up', async () => {
      const now = Date.parse('2026-12-06T08:00Z');
      const port = box.port;
      await box.stop();
      const ids = [await queue(`c1-${kind}@example.org`, now - 2), await queue(`c2-${kind}@example.org`, now - 1)];
      const mail = sender();
      assert.deepEqual(await mail.sendDue(now), { sent: 0, failed: 2, givenUp: 0 });
      for (const id of ids) assert.match((await row(id)).error ?? '', /ECONNECTION|ESOCKET|ECONNREFUSED/);
      await box.start(port);
      assert.deepEqual(await mail.sendDue(now + MIN), { sent: 2, failed: 0, givenUp: 0 });
      for (const id of ids) assert.equal(box.to((await db.query<{ to_address: string }>('select to_address from mail_outbox where id = $1', [id]))[0]!.to_address).length, 1);

      // A mail that never gets through is given up after MAX_ATTEMPTS.
      box.later = (to) => to.startsWith('forever');
      const id = await queue(`forever-${kind}@example.org`, now);
      let t = now;
      for (let i = 1; i < MAX_ATTEMPTS; i++) {
        assert.deepEqual(await mail.sendDue(t), { sent: 0, failed: 1, givenUp: 0 }, `attempt ${i}`);
        t += retryDelay(i);
      }
      assert.deepEqual(await mail.sendDue(t), { sent: 0, failed: 0, givenUp: 1 });
      assert.equal((await row(id)).attempts, MAX_ATTEMPTS);
      box.later = () => false;
      mail.close();
    });
  });
}

test('SMTP_URL is checked when the server starts', () => {
  const withEnv = (value: string) => {
    const old = process.env.SMTP_URL;
    process.env.SMTP_URL = value;
    try {
      return configFromEnv({ secret: 'x' });
    } finally {
      if (old === undefined) delete process.env.SMTP_URL;
      else process.env.SMTP_URL = old;
    }
  };
  assert.throws(() => withEnv('http://mail.example.org'), /SMTP_URL must start with smtp:\/\/ or smtps:\/\//);
  assert.throws(() => withEnv('not a url'), /SMTP_URL must be a URL/);
  assert.equal(withEnv('smtps://u:p@mail.example.org:465').mail.smtpUrl, 'smtps://u:p@mail.example.org:465');
});
