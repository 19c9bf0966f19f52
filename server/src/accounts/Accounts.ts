// Users and their sessions. A session token is 32 random bytes; only its
// sha256 is stored, so a database leak gives no usable token. Sessions end
// by expiry (CHAT_LIMITS.sessionDays) or revocation (logout, "sign out
// everywhere", removal). Logins are rate-limited per login name and per
// client address.
import crypto from 'node:crypto';
import { CHAT_LIMITS, DomainError, type Language, type MeView, type Presence, type UserView } from '@parley/protocol';
import { TokenBucket } from '../gateway/rate-limit.ts';
import { isUniqueViolation, type Db, type Sql } from '../store/db.ts';
import { fakeVerify, hashPassword, verifyPassword } from './password.ts';

export interface UserRow {
  id: string;
  email: string;
  username: string;
  name: string;
  password_hash: string | null;
  language: string;
  is_bot: boolean;
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

export const newId = (): string => crypto.randomBytes(12).toString('base64url');
export const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('base64url');

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
export const meView = (row: UserRow, online = true): MeView => ({ ...userView(row, online), email: row.email });

const LOGIN_TRIES = { burst: 5, perSecond: 0.1 };

export class Accounts {
  readonly #db: Db;
  readonly #tries = new Map<string, TokenBucket>();

  constructor(db: Db) {
    this.#db = db;
  }

  async signup(input: { email: string; username: string; name: string; password: string; language?: Language }, sql: Sql = this.#db): Promise<UserRow> {
    const hash = await hashPassword(input.password);
    return this.#insertUser(sql, { ...input, passwordHash: hash, isBot: false });
  }

  async #insertUser(
    sql: Sql,
    u: { email: string; username: string; name: string; passwordHash: string | null; language?: Language; isBot: boolean; id?: string },
  ): Promise<UserRow> {
    try {
      const [row] = await sql.query<UserRow>(
        `insert into users (id, email, username, name, password_hash, language, is_bot, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning *`,
        [u.id ?? newId(), u.email.toLowerCase(), u.username.toLowerCase(), u.name.trim() || u.username, u.passwordHash, u.language ?? 'en', u.isBot, Date.now()],
      );
      return row!;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const detail = String((error as { constraint?: string; detail?: string }).constraint ?? (error as { detail?: string }).detail ?? '');
      if (detail.includes('email')) throw new DomainError('EMAIL_TAKEN', 'an account with this e-mail address exists');
      throw new DomainError('USERNAME_TAKEN', 'this username is taken');
    }
  }

  /**
   * Checks a login (e-mail or username) and password; answers the same
   * INVALID_CREDENTIALS, in about the same time, for an unknown login and a
   * wrong password. `clientKey` (the client address) has its own budget.
   */
  async login(login: string, password: string, clientKey: string, label = ''): Promise<{ token: string; user: UserRow }> {
    const key = login.trim().toLowerCase();
    if (!this.#take(`login:${key}`) || !this.#take(`addr:${clientKey}`)) throw new DomainError('RATE_LIMITED', 'too many login attempts, wait a moment');
    const [user] = await this.#db.query<UserRow>('select * from users where (email = $1 or username = $1) and not is_bot', [key]);
    if (!user?.password_hash) {
      await fakeVerify(password);
      throw new DomainError('INVALID_CREDENTIALS', 'wrong login or password');
    }
    if (!(await verifyPassword(password, user.password_hash))) throw new DomainError('INVALID_CREDENTIALS', 'wrong login or password');
    return { token: await this.createSession(user.id, label), user };
  }

  #take(key: string): boolean {
    let bucket = this.#tries.get(key);
    if (!bucket) {
      // Forget full buckets now and then so the map cannot grow without bound.
      if (this.#tries.size > 10_000) this.#tries.clear();
      this.#tries.set(key, (bucket = new TokenBucket(LOGIN_TRIES.burst, LOGIN_TRIES.perSecond)));
    }
    return bucket.take();
  }

  async createSession(userId: string, label = '', sql: Sql = this.#db, days: number = CHAT_LIMITS.sessionDays): Promise<string> {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = Date.now();
    await sql.query('insert into sessions (token_hash, user_id, label, created_at, expires_at) values ($1, $2, $3, $4, $5)', [
      sha256(token),
      userId,
      label.slice(0, 100),
      now,
      now + days * 24 * 3600_000,
    ]);
    return token;
  }

  /** The user of a live session token; undefined for anything else. */
  async authenticate(token: unknown): Promise<SessionUser | undefined> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 100) return undefined;
    const sessionId = sha256(token);
    const [row] = await this.#db.query<UserRow & { expires_at: number; revoked_at: number | null }>(
      `select u.*, s.expires_at as expires_at, s.revoked_at as revoked_at from sessions s join users u on u.id = s.user_id where s.token_hash = $1`,
      [sessionId],
    );
    if (!row || row.revoked_at !== null || row.expires_at < Date.now()) return undefined;
    const { expires_at: _e, revoked_at: _r, ...user } = row;
    return { user: user as UserRow, sessionId };
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.#db.query('update sessions set revoked_at = $2 where token_hash = $1 and revoked_at is null', [sessionId, Date.now()]);
  }

  /** Ends every session of a user; returns their ids (to disconnect their sockets). */
  async revokeAll(userId: string): Promise<string[]> {
    const rows = await this.#db.query<{ token_hash: string }>('update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null returning token_hash', [
      userId,
      Date.now(),
    ]);
    return rows.map((r) => r.token_hash);
  }

  async get(id: string): Promise<UserRow | undefined> {
    const [row] = await this.#db.query<UserRow>('select * from users where id = $1', [id]);
    return row;
  }

  async updateProfile(id: string, p: { name?: string; language?: Language }): Promise<UserRow> {
    const [row] = await this.#db.query<UserRow>('update users set name = coalesce($2, name), language = coalesce($3, language) where id = $1 returning *', [
      id,
      p.name?.trim() || null,
      p.language ?? null,
    ]);
    if (!row) throw new DomainError('USER_NOT_FOUND', 'no such user');
    return row;
  }

  async setPresence(id: string, p: { presence: 'auto' | 'away' | 'dnd' | 'offline'; statusText?: string; statusEmoji?: string }): Promise<UserRow> {
    const [row] = await this.#db.query<UserRow>(
      'update users set presence = $2, status_text = coalesce($3, status_text), status_emoji = coalesce($4, status_emoji) where id = $1 returning *',
      [id, p.presence, p.statusText ?? null, p.statusEmoji ?? null],
    );
    if (!row) throw new DomainError('USER_NOT_FOUND', 'no such user');
    return row;
  }

  /**
   * A bot account with a fixed token (derived from the server secret or set
   * by the operator): created on first start, its token registered (or
   * re-registered after a change) on every start.
   */
  async ensureBot(username: string, name: string, token: string): Promise<UserRow> {
    return this.#db.tx(async (sql) => {
      await sql.query('select pg_advisory_xact_lock(7250002)');
      let [bot] = await sql.query<UserRow>('select * from users where username = $1', [username]);
      bot ??= await this.#insertUser(sql, { username, name, email: `${username}@bots.parley.invalid`, passwordHash: null, isBot: true });
      const hash = sha256(token);
      // Old tokens of this bot stop working as soon as the configured one changes.
      await sql.query('update sessions set revoked_at = $3 where user_id = $1 and token_hash <> $2 and revoked_at is null', [bot.id, hash, Date.now()]);
      await sql.query(
        `insert into sessions (token_hash, user_id, label, created_at, expires_at) values ($1, $2, 'bot', $3, $4)
         on conflict (token_hash) do update set revoked_at = null, expires_at = excluded.expires_at`,
        [hash, bot.id, Date.now(), Number.MAX_SAFE_INTEGER],
      );
      return bot;
    });
  }
}
