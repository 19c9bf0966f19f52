// App passwords (a device's own password for CalDAV and CardDAV): made by the
// server and shown once, stored as their sha256 only, named, revocable one by
// one, capped per person; signing in with one counts as a login try. The
// store on PGlite and PostgreSQL, the HTTP edge with bad and foreign input.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { DomainError, type AppPasswordView, type NewAppPasswordReply } from '@parley/protocol';
import { Accounts, APP_PASSWORDS_MAX, appSecret, type UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import { sha256 } from '../src/lib/ids.ts';
import type { Db } from '../src/store/db.ts';
import type { Parley } from '../src/app.ts';
import { DB_KINDS, testDb } from './db.ts';
import { authed, signup, startChatServer, TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import { http } from './helpers.ts';

const code = (c: string) => (e: unknown) => e instanceof DomainError && e.code === c;
const PASSWORD = 'correct horse battery';
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

test('an app password is 100 random bits in groups of five signs none can be mistaken for another; typing is forgiving, forging is not', () => {
  for (const typed of ['abcde-fghij-kmnpq-rstuv', 'ABCDE FGHIJ KMNPQ RSTUV', 'abcdefghijkmnpqrstuv']) assert.equal(appSecret(typed), 'abcdefghijkmnpqrstuv');
  for (const bad of ['', 'abcde-fghij-kmnpq-rstu', 'abcde-fghij-kmnpq-rstuvw', 'abcde-fghij-kmnpq-rstu0', 'abcde-fghij-kmnpq-rstul', "abcde-fghij-kmnpq-rstu'", 'a'.repeat(10_000)]) {
    assert.equal(appSecret(bad), null, bad.slice(0, 30));
  }
});

for (const kind of DB_KINDS) {
  describe(`app passwords on ${kind}`, () => {
    let db: Db;
    let accounts: Accounts;
    beforeAll(async () => {
      db = await testDb(kind);
      accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
    });
    afterAll(() => db.close());
    const user = (): Promise<UserRow> => {
      const id = uniq();
      return accounts.signup({ email: `dev-${id}@example.org`, username: `dev${id}`, name: `Dev ${id}`, password: 'correct horse battery' }, { address: 'test' });
    };

    test('made, shown once, stored hashed; a device signs in with it by username or e-mail, never with the account password', async () => {
      const me = await user();
      const made = await accounts.createAppPassword(me, '  Phone ', PASSWORD, 'test');
      assert.match(made.secret, /^[a-km-np-z2-9]{5}(-[a-km-np-z2-9]{5}){3}$/);
      assert.equal(made.appPassword.name, 'Phone');
      assert.equal(made.appPassword.lastUsedAt, null);
      const rows = await db.query<{ secret_hash: string }>('select secret_hash from app_passwords where user_id = $1', [me.id]);
      assert.deepEqual(rows.map((r) => r.secret_hash), [sha256(appSecret(made.secret)!)]);
      assert.ok(!JSON.stringify(await accounts.appPasswords(me.id)).includes(made.secret.slice(0, 5)), 'never listed');
      assert.equal((await accounts.byAppPassword(me.username, made.secret, 'a1')).id, me.id);
      assert.equal((await accounts.byAppPassword(me.email.toUpperCase(), made.secret.toUpperCase(), 'a1')).id, me.id);
      const [listed] = await accounts.appPasswords(me.id);
      assert.ok(listed!.lastUsedAt !== null, 'its last use is shown');
      await assert.rejects(accounts.byAppPassword(me.username, 'correct horse battery', 'a1'), code('INVALID_CREDENTIALS'));
      // Someone else's login with my app password: refused.
      const other = await user();
      await assert.rejects(accounts.byAppPassword(other.username, made.secret, 'a1'), code('INVALID_CREDENTIALS'));
    });

    test('revoking one ends that device only; no one revokes another person’s; a person has at most 20', async () => {
      const me = await user();
      const phone = await accounts.createAppPassword(me, 'Phone', PASSWORD, 'test');
      const laptop = await accounts.createAppPassword(me, 'Thunderbird', PASSWORD, 'test');
      const other = await user();
      await assert.rejects(accounts.revokeAppPassword(other.id, phone.appPassword.id), code('APP_PASSWORD_NOT_FOUND'));
      await accounts.revokeAppPassword(me.id, phone.appPassword.id);
      await assert.rejects(accounts.byAppPassword(me.username, phone.secret, 'a2'), code('INVALID_CREDENTIALS'));
      assert.equal((await accounts.byAppPassword(me.username, laptop.secret, 'a2')).id, me.id);
      await assert.rejects(accounts.revokeAppPassword(me.id, phone.appPassword.id), code('APP_PASSWORD_NOT_FOUND'));
      // Up to the cap, even when the last ones are asked for at once (each asks for the password, a login try: five at a time).
      for (let i = 2; i < APP_PASSWORDS_MAX; i++) await accounts.createAppPassword(me, `Device ${i}`, PASSWORD, 'test');
      const made = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => accounts.createAppPassword(me, `Last ${i}`, PASSWORD, 'test')));
      assert.equal(made.filter((m) => m.status === 'fulfilled').length, 1);
      assert.ok(made.filter((m) => m.status === 'rejected').every((m) => code('TOO_MANY')((m as PromiseRejectedResult).reason)));
      assert.equal((await accounts.appPasswords(me.id)).length, APP_PASSWORDS_MAX);
      await assert.rejects(accounts.createAppPassword(me, '\u200B\u2066 ', PASSWORD, 'test'), code('INVALID_PAYLOAD'));
    });

    test('making one takes the account password; a new password, a reset or signing out everywhere ends every device; a bot has none; a busy device is not slowed', async () => {
      const me = await user();
      await assert.rejects(accounts.createAppPassword(me, 'Phone', 'not my password', 'test'), code('INVALID_CREDENTIALS'));
      assert.deepEqual(await accounts.appPasswords(me.id), []);
      const phone = await accounts.createAppPassword(me, 'Phone', PASSWORD, 'test');
      // A device syncing sends many requests at once, each signed in: none is refused.
      const many = await Promise.allSettled(Array.from({ length: 30 }, () => accounts.byAppPassword(me.username, phone.secret, 'busy-device')));
      assert.ok(many.every((m) => m.status === 'fulfilled'), 'no request of a signed-in device is rate limited');
      const login = await accounts.login(me.username, PASSWORD, 'test');
      const session = (await accounts.authenticate(login.token))!;
      await accounts.changePassword(session.user, session.sessionId, PASSWORD, 'amber meadow trumpet 9', 'test');
      await assert.rejects(accounts.byAppPassword(me.username, phone.secret, 'a3'), code('INVALID_CREDENTIALS'));
      assert.deepEqual(await accounts.appPasswords(me.id), []);
      const me2 = (await accounts.get(me.id))!;
      const laptop = await accounts.createAppPassword(me2, 'Laptop', 'amber meadow trumpet 9', 'test');
      await accounts.revokeAll(me.id);
      await assert.rejects(accounts.byAppPassword(me.username, laptop.secret, 'a3'), code('INVALID_CREDENTIALS'));
      const again = await accounts.createAppPassword(me2, 'Tablet', 'amber meadow trumpet 9', 'test');
      // The reset link's token, as the mail would carry it.
      let token = '';
      await accounts.requestReset(me.email, 'test', (t) => (token = t));
      assert.ok(token, 'a reset was mailed');
      await accounts.resetPassword(token, 'silver canyon piano 3');
      await assert.rejects(accounts.byAppPassword(me.username, again.secret, 'a3'), code('INVALID_CREDENTIALS'));
      // A bot's row, should one ever get an app password, signs nothing in.
      const bot = await accounts.ensureBot(`bot${uniq()}`, 'Bot', `bot-token-${uniq()}-0123456789abcdef`);
      await db.query('insert into app_passwords (id, user_id, name, secret_hash, created_at) values ($1, $2, $3, $4, $5)', [`ap${uniq()}`, bot.id, 'x', sha256('abcdefghijkmnpqrstuv'), Date.now()]);
      await assert.rejects(accounts.byAppPassword(bot.username, 'abcde-fghij-kmnpq-rstuv', 'a4'), code('INVALID_CREDENTIALS'));
    });

    test('guessing is counted as login tries are', async () => {
      const me = await user();
      await accounts.createAppPassword(me, 'Phone', PASSWORD, 'test');
      let limited = false;
      for (let i = 0; i < 10 && !limited; i++) {
        await accounts.byAppPassword(me.username, `aaaaa-aaaaa-aaaaa-aaa${'abcdefghij'[i]}${'bcdefghijk'[i]}`, 'guesser').catch((e: unknown) => {
          if (code('RATE_LIMITED')(e)) limited = true;
          else assert.ok(code('INVALID_CREDENTIALS')(e));
        });
      }
      assert.ok(limited, 'a guesser is stopped after a few tries');
    });
  });
}

describe('app passwords over HTTP', () => {
  let parley: Parley;
  let base: string;
  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
  });
  afterAll(() => parley.close());

  test('the session first; bad bodies and ids refused with their code; another person’s id is not found; the secret only in the 201', async () => {
    const me = await signup(base, 'Devi');
    const other = await signup(base, 'Otto');
    for (const [method, url, body] of [
      ['GET', '/api/me/app-passwords', undefined],
      ['POST', '/api/me/app-passwords', { name: 'Phone', password: PASSWORD }],
      ['DELETE', '/api/me/app-passwords/abc', undefined],
    ] as const) {
      const res = await http<{ error: { code: string } }>(base, method, url, body);
      assert.equal(res.status, 401, `${method} ${url}`);
      assert.equal(res.body.error.code, 'UNAUTHORIZED');
    }
    for (const body of [{}, { name: 'Phone' }, { name: '', password: PASSWORD }, { name: 'x'.repeat(65), password: PASSWORD }, { name: 'Phone', password: PASSWORD, admin: true }, { name: 42, password: PASSWORD }, { name: '\u2066\u2069 ', password: PASSWORD }, { name: 'Phone', password: 'x'.repeat(257) }]) {
      const res = await authed<{ error: { code: string } }>(base, me.token, 'POST', '/api/me/app-passwords', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'INVALID_PAYLOAD');
    }
    const wrong = await authed<{ error: { code: string } }>(base, me.token, 'POST', '/api/me/app-passwords', { name: 'Thunderbird', password: 'not it at all' });
    assert.deepEqual([wrong.status, wrong.body.error.code], [401, 'INVALID_CREDENTIALS']);
    const made = await authed<NewAppPasswordReply>(base, me.token, 'POST', '/api/me/app-passwords', { name: 'Thunderbird', password: PASSWORD });
    assert.equal(made.status, 201);
    assert.match(made.body.secret, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    const listed = await authed<{ appPasswords: AppPasswordView[] }>(base, me.token, 'GET', '/api/me/app-passwords');
    assert.deepEqual(listed.body.appPasswords.map((a) => a.name), ['Thunderbird']);
    assert.ok(!JSON.stringify(listed.body).includes(made.body.secret));
    // Another person's list is their own; their delete of my id is a 404, and mine is still there.
    assert.deepEqual((await authed<{ appPasswords: AppPasswordView[] }>(base, other.token, 'GET', '/api/me/app-passwords')).body.appPasswords, []);
    const foreign = await authed<{ error: { code: string } }>(base, other.token, 'DELETE', `/api/me/app-passwords/${made.body.appPassword.id}`);
    assert.deepEqual([foreign.status, foreign.body.error.code], [404, 'APP_PASSWORD_NOT_FOUND']);
    for (const id of ['..%2F..%2Fetc', 'a'.repeat(65), '%00']) {
      const res = await authed<{ error: { code: string } }>(base, me.token, 'DELETE', `/api/me/app-passwords/${id}`);
      assert.equal(res.status, 400, id);
    }
    const gone = await authed<{ ok: boolean }>(base, me.token, 'DELETE', `/api/me/app-passwords/${made.body.appPassword.id}`);
    assert.deepEqual([gone.status, gone.body.ok], [200, true]);
    assert.deepEqual((await authed<{ appPasswords: AppPasswordView[] }>(base, me.token, 'GET', '/api/me/app-passwords')).body.appPasswords, []);
  });
});
