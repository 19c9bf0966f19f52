// Users and their sessions. A session token is 32 random bytes; only its
// sha256 is stored, so a database leak gives no usable token. Sessions end
// by expiry (CHAT_LIMITS.sessionDays) or revocation (logout, "sign out
// everywhere", removal, a changed or reset password).
//
// Guessing is slowed where it happens, in buckets that outlive floods (see
// lib/limiter.ts):
// - logins: per account and address (one guesser cannot lock the owner out
//   from elsewhere), per address (one guesser across accounts), and per
//   account from addresses it was never signed in from (many guessers at
//   once), which an address the owner signed in from before skips;
// - sign-ups: per address and for everyone, and checked for a free e-mail
//   and username before the (costly) hash. Hashing new passwords runs one at
//   a time: a sign-up flood queues behind itself, not in front of logins.
import crypto from 'node:crypto';
import { translate } from '@parley/i18n/node';
import { CHAT_LIMITS, LIMITS, type AppPasswordView, type Language, type MeView, type NewAppPasswordReply, type Presence, type UserView } from '@parley/protocol';
import { MemoryLimiter, type Limiter, type RateSpec } from '../lib/limiter.ts';
import { newId, sha256 } from '../lib/ids.ts';
import { Gate } from '../lib/work.ts';
import type { Sql } from '../store/db.ts';
import type { AccountStore, AppPasswordRow } from './store.ts';
import { fakeVerify, hashPassword, verifyPassword } from './password.ts';
import { checkStrength } from './strength.ts';
import { cleanText, isEmoji, requireName, visibleText } from '../lib/names.ts';
import { queueMail } from '../suite/mail/outbox.ts';
import { isTimeZone } from '../lib/time.ts';
import { AppPasswordNotFound, EmailTaken, InvalidCredentials, ResetInvalid, UserNotFound, UsernameTaken } from './errors.ts';
import { InvalidRequest, InvalidTime, RateLimited, TooMany } from '../lib/errors.ts';

export interface UserRow {
  id: string;
  email: string;
  username: string;
  name: string;
  password_hash: string | null;
  language: string;
  is_bot: boolean;
  /** '' when none (the organization's directory shows it). */
  phone: string;
  presence: string;
  status_text: string;
  status_emoji: string;
  created_at: number;
}

export interface SessionUser {
  user: UserRow;
  /** sha256 of the token: identifies this session (to revoke it) without the token. */
  sessionId: string;
}


/** Manual presence and the online flag make what others see. */
export function presenceOf(row: Pick<UserRow, 'presence'>, online: boolean): Presence {
  if (row.presence === 'offline' || !online) return 'offline';
  if (row.presence === 'away' || row.presence === 'dnd') return row.presence;
  return 'online';
}

export function userView(row: UserRow, online: boolean): UserView {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    language: row.language as Language,
    isBot: row.is_bot,
    presence: presenceOf(row, online),
    statusText: row.status_text,
    statusEmoji: row.status_emoji,
  };
}
export const meView = (row: UserRow, online = true): MeView => ({ ...userView(row, online), email: row.email, phone: row.phone ?? '' });

/** Rate limits of the account doors (see the file's head). */
export const ACCOUNT_LIMITS = {
  /** Tries at one account from one address: 5, then one a minute. */
  loginPair: { burst: 5, perSecond: 1 / 60 },
  /** Tries from one address at any account. */
  loginAddress: { burst: 30, perSecond: 1 / 10 },
  /** Tries at one account from addresses it was never signed in from. */
  loginAccount: { burst: 50, perSecond: 1 / 30 },
  /** How long an address stays known to an account after a sign-in there. */
  knownAddressMs: 60 * 24 * 3600_000,
  /** Sign-ups from one address. */
  signupAddress: { burst: 5, perSecond: 1 / 120 },
  /** Sign-ups from everyone (a flood from many addresses). */
  signupEveryone: { burst: 30, perSecond: 1 / 5 },
  /** Reset e-mails asked from one address, and for one e-mail address. */
  resetAddress: { burst: 5, perSecond: 1 / 60 },
  resetEmail: { burst: 3, perSecond: 1 / 600 },
  /** A password reset link lives this long. */
  resetMs: 3600_000,
} satisfies Record<string, RateSpec | number>;
export type AccountLimits = typeof ACCOUNT_LIMITS;

/** App passwords one person may have (a device each). */
export const APP_PASSWORDS_MAX = 20;
/** An app password's signs: 32, none taken for another when read aloud or copied by hand (no l, o, 0, 1). */
const SECRET_SIGNS = 'abcdefghijkmnpqrstuvwxyz23456789';
/** 20 signs of 5 random bits (100 bits), in groups of 5: "abcde-fghij-kmnpq-rstuv". */
function newAppSecret(): string {
  // 256 is a multiple of 32: every sign is as likely.
  const signs = [...crypto.randomBytes(20)].map((b) => SECRET_SIGNS[b & 31]).join('');
  return signs.match(/.{5}/g)!.join('-');
}
/** An app password as typed: case, spaces and dashes do not matter; null for what cannot be one. */
export function appSecret(typed: string): string | null {
  const s = typed.toLowerCase().replace(/[\s-]/g, '');
  return /^[a-km-np-z2-9]{20}$/.test(s) ? s : null;
}
const appPasswordView = (r: AppPasswordRow): AppPasswordView => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at });

const rateLimited = (what: string) => new RateLimited(`Too many ${what}. Wait a minute, then try again.`);

export interface SignupInput {
  email: string;
  username: string;
  name: string;
  password: string;
  language?: Language;
}

/** A sign-up checked and its password hashed, ready to be written. */
export interface PreparedSignup {
  input: SignupInput;
  passwordHash: string;
  address: string;
}

export class Accounts {
  readonly #store: AccountStore;
  readonly #limiter: Limiter;
  readonly #limits: AccountLimits;
  /** New passwords are judged and hashed one at a time (32 MiB and ~100 ms each); 16 more may wait, beyond that BUSY. */
  readonly #hashing = new Gate(1, 16);

  /** `limits`: other rates than ACCOUNT_LIMITS (tests that make many accounts from one address). */
  constructor(store: AccountStore, opts: { limiter?: Limiter; limits?: Partial<AccountLimits> } = {}) {
    this.#store = store;
    this.#limiter = opts.limiter ?? new MemoryLimiter();
    this.#limits = { ...ACCOUNT_LIMITS, ...opts.limits };
  }

  /**
   * A new account. Refused before any costly work when the address (or
   * everyone) signs up too fast, when the e-mail or username is taken, or
   * when the password is weak.
   */
  async signup(input: SignupInput, ctx: { address: string }): Promise<UserRow> {
    return this.insertSignup(this.#store.sql, await this.prepareSignup(input, ctx));
  }

  /**
   * The slow and refusable part of a sign-up, before any transaction: rate
   * limits, a taken address or username, the password's strength and hash.
   */
  async prepareSignup(input: SignupInput, ctx: { address: string }): Promise<PreparedSignup> {
    if (!(await this.#limiter.take(`signup:${ctx.address}`, this.#limits.signupAddress))) throw rateLimited('sign-ups from this address');
    if (!(await this.#limiter.take('signup', this.#limits.signupEveryone))) throw rateLimited('sign-ups right now');
    await this.#taken(input.email, input.username);
    const passwordHash = await this.#newPassword(input.password, [input.email, input.username, input.name]);
    return { input, passwordHash, address: ctx.address };
  }

  /** The account itself, in the transaction `sql` (with its organization or invitation, see Orgs.signUp). */
  async insertSignup(sql: Sql, p: PreparedSignup): Promise<UserRow> {
    const { password: _password, ...fields } = p.input;
    const user = await Accounts.#insertUser(this.#store.within(sql), { ...fields, passwordHash: p.passwordHash, isBot: false });
    // Where the account was made is an address its owner uses.
    await this.#limiter.mark(`known:${user.id}|${p.address}`, this.#limits.knownAddressMs);
    return user;
  }

  /** EMAIL_TAKEN / USERNAME_TAKEN before hashing (the insert's unique keys still decide a race). */
  async #taken(email: string, username: string): Promise<void> {
    const rows = await this.#store.withEmailOrUsername(email.toLowerCase(), username.toLowerCase());
    if (rows.some((r) => r.email === email.toLowerCase())) throw new EmailTaken('An account already uses this e-mail address. Sign in, or reset its password.');
    if (rows.length) throw new UsernameTaken('This username is taken. Choose another one.');
  }

  /**
   * A new password judged (zxcvbn, tens of ms on the event loop) and hashed
   * (scrypt), one at a time: a flood of sign-ups waits in a short queue, or
   * is told BUSY, instead of filling the event loop and the thread pool
   * that logins need.
   */
  #newPassword(password: string, personal: string[]): Promise<string> {
    return this.#hashing.run(async () => {
      await checkStrength(password, personal);
      return hashPassword(password);
    });
  }

  static async #insertUser(
    store: AccountStore,
    u: { email: string; username: string; name: string; passwordHash: string | null; language?: Language; isBot: boolean },
  ): Promise<UserRow> {
    const name = visibleText(u.name, LIMITS.nameChars) ?? u.username;
    const row = await store.insertUser({ ...u, id: newId(), email: u.email.toLowerCase(), username: u.username.toLowerCase(), name, language: u.language ?? 'en', at: Date.now() });
    if (!('taken' in row)) return row;
    if (row.taken === 'email') throw new EmailTaken('An account already uses this e-mail address. Sign in, or reset its password.');
    throw new UsernameTaken('This username is taken. Choose another one.');
  }

  /**
   * Checks a login (e-mail or username) and password; answers the same
   * INVALID_CREDENTIALS, in about the same time, for an unknown login and a
   * wrong password. Each try is counted before the check (so tries sent at
   * once are counted too) in the buckets of the file's head.
   */
  async login(login: string, password: string, address: string, label = ''): Promise<{ token: string; user: UserRow }> {
    const key = login.trim().toLowerCase();
    await this.#countTry(key, address);
    const user = await this.#store.personByLogin(key);
    if (!user?.password_hash) {
      await fakeVerify(password);
      throw new InvalidCredentials('The e-mail address, username or password is not right.');
    }
    if (!(await verifyPassword(password, user.password_hash))) throw new InvalidCredentials('The e-mail address, username or password is not right.');
    await this.#rightPassword(key, user.id, address);
    return { token: await this.createSession(user.id, label), user };
  }

  /** One try at `login` from `address`, counted before the check, or RATE_LIMITED. */
  async #countTry(login: string, address: string): Promise<void> {
    if (!(await this.#limiter.take(`login:${login}|${address}`, this.#limits.loginPair))) throw rateLimited('login attempts');
    if (!(await this.#limiter.take(`login-address:${address}`, this.#limits.loginAddress))) throw rateLimited('login attempts from this address');
    const owner = await this.#store.idOfLogin(login);
    const known = owner ? await this.#limiter.isMarked(`known:${owner}|${address}`) : false;
    if (!known && !(await this.#limiter.take(`login-account:${login}`, this.#limits.loginAccount))) throw rateLimited('login attempts at this account');
  }

  /**
   * A right password costs no tries (only guesses are counted: the owner
   * signing in often is no guesser), and makes the address known: guesses
   * at this account from elsewhere will not keep its owner out from here.
   */
  async #rightPassword(login: string, userId: string, address: string): Promise<void> {
    await this.#limiter.refund(`login:${login}|${address}`, this.#limits.loginPair);
    await this.#limiter.refund(`login-address:${address}`, this.#limits.loginAddress);
    await this.#limiter.mark(`known:${userId}|${address}`, this.#limits.knownAddressMs);
  }

  /** A signed-in person's own password typed again, to confirm it is them: counted as a login try. */
  async #confirm(user: UserRow, password: string, address: string, wrong: string): Promise<void> {
    await this.#countTry(user.username, address);
    if (!user.password_hash || !(await verifyPassword(password, user.password_hash))) throw new InvalidCredentials(wrong);
    await this.#rightPassword(user.username, user.id, address);
  }

  /**
   * Changes one's password (the current one proves it is really them); every
   * other session ends. Answers the ended sessions' ids (their sockets close).
   */
  async changePassword(user: UserRow, sessionId: string, current: string, next: string, address: string): Promise<string[]> {
    await this.#confirm(user, current, address, 'Your current password is not right.');
    const hash = await this.#newPassword(next, [user.email, user.username, user.name]);
    return this.#store.tx(async (store) => {
      await store.setPasswordHash(user.id, hash);
      // Devices too: a password is changed most often because someone else may know it.
      await store.deleteAppPasswordsOf(user.id);
      return store.revokeSessionsOf(user.id, Date.now(), sessionId);
    });
  }

  /**
   * Sends a password reset link to an account's e-mail address (through the
   * mail outbox). Says nothing of whether the address has an account: the
   * answer and its timing are the same.
   */
  async requestReset(email: string, address: string, linkFor: (token: string) => string): Promise<void> {
    const to = email.trim().toLowerCase();
    if (!(await this.#limiter.take(`reset-address:${address}`, this.#limits.resetAddress))) throw rateLimited('reset requests from this address');
    if (!(await this.#limiter.take(`reset-email:${to}`, this.#limits.resetEmail))) return;
    const user = await this.#store.personByEmail(to);
    if (!user) return;
    const token = crypto.randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.#store.tx(async (store) => {
      await store.insertReset(sha256(token), user.id, now, now + this.#limits.resetMs);
      await queueMail(
        store.sql,
        {
          dedupeKey: `reset:${sha256(token)}`,
          userId: user.id,
          to: user.email,
          // In the account's language, as everything Parley writes to a person.
          subject: translate(user.language, 'mail.reset.subject'),
          text: translate(user.language, 'mail.reset.body', { name: user.name, link: linkFor(token) }),
        },
        now,
      );
    });
  }

  /** Sets a new password from a reset link (once, within the hour); every session ends (their ids are answered), and a new one starts. */
  async resetPassword(token: string, password: string, label = ''): Promise<{ token: string; user: UserRow; ended: string[] }> {
    const reset = await this.#store.reset(sha256(token));
    if (!reset || reset.used_at !== null || reset.expires_at < Date.now()) throw new ResetInvalid('This reset link is unknown, expired or already used. Ask for a new one from the sign-in page.');
    const user = (await this.get(reset.user_id))!;
    const hash = await this.#newPassword(password, [user.email, user.username, user.name]);
    const ended = await this.#store.tx(async (store) => {
      // Used once, even by two clicks at the same time.
      if (!(await store.useReset(sha256(token), Date.now()))) return null;
      await store.setPasswordHash(user.id, hash);
      await store.deleteAppPasswordsOf(user.id);
      return store.revokeSessionsOf(user.id, Date.now());
    });
    if (!ended) throw new ResetInvalid('This reset link is unknown, expired or already used. Ask for a new one from the sign-in page.');
    return { token: await this.createSession(user.id, label), user, ended };
  }

  /** A new session of the user (in the transaction `sql` when given); its token, which only the client keeps. */
  async createSession(userId: string, label = '', sql: Sql = this.#store.sql, days: number = CHAT_LIMITS.sessionDays): Promise<string> {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.#store.within(sql).insertSession({ tokenHash: sha256(token), userId, label: label.slice(0, 100), at: now, expiresAt: now + days * 24 * 3600_000 });
    return token;
  }

  /** The user of a live session token; undefined for anything else. */
  async authenticate(token: unknown): Promise<SessionUser | undefined> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 100) return undefined;
    const sessionId = sha256(token);
    const row = await this.#store.sessionUser(sessionId);
    if (!row || row.revoked_at !== null || row.expires_at < Date.now()) return undefined;
    const { expires_at: _e, revoked_at: _r, ...user } = row;
    return { user: user as UserRow, sessionId };
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.#store.revokeSession(sessionId, Date.now());
  }

  /** Signs out everywhere: every session (their ids are answered, to disconnect their sockets) and every device's app password. */
  async revokeAll(userId: string): Promise<string[]> {
    return this.#store.tx(async (store) => {
      await store.deleteAppPasswordsOf(userId);
      return store.revokeSessionsOf(userId, Date.now());
    });
  }

  async get(id: string): Promise<UserRow | undefined> {
    return this.#store.get(id);
  }

  /** The zone one's floating imported times and daily agenda are read in (INVALID_TIME for a zone this server does not know). */
  async setTimeZone(id: string, timeZone: string): Promise<void> {
    if (!isTimeZone(timeZone)) throw new InvalidTime(`unknown time zone "${timeZone}"`);
    await this.#store.setTimeZone(id, timeZone);
  }

  async updateProfile(id: string, p: { name?: string; language?: Language; phone?: string }): Promise<UserRow> {
    const row = await this.#store.updateProfile(id, {
      name: p.name === undefined ? null : requireName(p.name, LIMITS.nameChars, 'your name'),
      language: p.language ?? null,
      phone: p.phone === undefined ? null : cleanText(p.phone, 40),
    });
    if (!row) throw new UserNotFound('no such user');
    return row;
  }

  /** A new sign-in and reset address; the account password proves it is the owner. */
  async changeEmail(user: UserRow, email: string, password: string, address: string): Promise<UserRow> {
    await this.#confirm(user, password, address, 'Your password is not right.');
    const row = await this.#store.setEmail(user.id, email.trim().toLowerCase());
    if (row === 'taken') throw new EmailTaken('An account already uses this e-mail address.');
    if (!row) throw new UserNotFound('no such user');
    return row;
  }

  // ---- app passwords (devices: CalDAV, CardDAV) ----

  async appPasswords(userId: string): Promise<AppPasswordView[]> {
    return (await this.#store.appPasswords(userId)).map(appPasswordView);
  }

  /**
   * A new app password for a device: its secret is answered this once and
   * stored as its sha256 only. The account password is asked for (and
   * counted as a login try), as Nextcloud does: a session left open on
   * someone else's screen must not be enough to give a device lasting access.
   */
  async createAppPassword(user: UserRow, name: string, password: string, address: string): Promise<NewAppPasswordReply> {
    const clean = requireName(name, LIMITS.nameChars, 'the device');
    await this.#confirm(user, password, address, 'Your password is not right.');
    const secret = newAppSecret();
    const row: AppPasswordRow = { id: newId(), user_id: user.id, name: clean, created_at: Date.now(), last_used_at: null };
    if (!(await this.#store.insertAppPassword({ ...row, secret_hash: sha256(appSecret(secret)!) }, APP_PASSWORDS_MAX))) {
      throw new TooMany(`You have ${APP_PASSWORDS_MAX} app passwords: revoke one you no longer use first.`);
    }
    return { appPassword: appPasswordView(row), secret };
  }

  /** Ends one device's access; the others' go on. */
  async revokeAppPassword(userId: string, id: string): Promise<void> {
    if (!(await this.#store.deleteAppPassword(id, userId))) throw new AppPasswordNotFound('no such app password');
  }

  /**
   * Who a device signs in as (HTTP Basic: CalDAV, CardDAV): their username
   * or e-mail address, and one of their app passwords (never the account
   * password). A wrong one counts as a login try: guessing is limited as it
   * is at the sign-in page.
   */
  async byAppPassword(login: string, typed: string, address: string): Promise<UserRow> {
    const key = login.trim().toLowerCase();
    const secret = appSecret(typed);
    const row = secret ? await this.#store.appPasswordBySecret(sha256(secret)) : undefined;
    const user = row ? await this.#store.get(row.user_id) : undefined;
    if (!row || !user || user.is_bot || (user.username !== key && user.email !== key)) {
      // Only misses are counted: a syncing device sends many requests at
      // once, each signed in, and 100 random bits are not guessed anyway.
      await this.#countTry(key, address);
      throw new InvalidCredentials('The username or app password is not right.');
    }
    // To the minute: a syncing device signs in with every request.
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at >= 60_000) await this.#store.touchAppPassword(row.id, now);
    return user;
  }

  async setPresence(id: string, p: { presence: 'auto' | 'away' | 'dnd' | 'offline'; statusText?: string; statusEmoji?: string }): Promise<UserRow> {
    // An empty status emoji clears it; anything else is one emoji.
    if (p.statusEmoji && !isEmoji(p.statusEmoji)) throw new InvalidRequest('statusEmoji: one emoji, or empty to clear it');
    const row = await this.#store.setPresence(id, { presence: p.presence, statusText: p.statusText === undefined ? null : cleanText(p.statusText, 100), statusEmoji: p.statusEmoji ?? null });
    if (!row) throw new UserNotFound('no such user');
    return row;
  }

  /**
   * A bot account with a fixed token (derived from the server secret or set
   * by the operator): created on first start, its token registered (or
   * re-registered after a change) on every start.
   */
  async ensureBot(username: string, name: string, token: string): Promise<UserRow> {
    return this.#store.tx(async (store) => {
      await store.lockBots();
      const bot = (await store.byUsername(username)) ?? (await Accounts.#insertUser(store, { username, name, email: `${username}@bots.parley.invalid`, passwordHash: null, isBot: true }));
      const hash = sha256(token);
      // Old tokens of this bot stop working as soon as the configured one changes.
      await store.revokeSessionsOf(bot.id, Date.now(), hash);
      await store.upsertBotSession(hash, bot.id, Date.now());
      return bot;
    });
  }
}
