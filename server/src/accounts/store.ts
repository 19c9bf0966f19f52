// Accounts' SQL, and nothing else: users, sessions and password resets.
// The rules (rate limits, password strength and hashing, who may do what)
// are in Accounts.ts. Tokens are stored as their sha256 only.
import type { Language } from '@parley/protocol';
import { isUniqueViolation, SqlStore, type Sql } from '../store/db.ts';
import type { UserRow } from './Accounts.ts';

export interface NewUser {
  id: string;
  email: string;
  username: string;
  name: string;
  passwordHash: string | null;
  language: Language;
  isBot: boolean;
  at: number;
}

export interface ResetRow {
  user_id: string;
  expires_at: number;
  used_at: number | null;
}

/** Users, sessions and password resets on one database, or inside one of its transactions (another feature's too). */
export class AccountStore extends SqlStore<AccountStore> {


  protected on(sql: Sql): AccountStore {
    return new AccountStore(this.db, sql);
  }

  // ---- users ----

  async get(id: string): Promise<UserRow | undefined> {
    const [row] = await this.sql.query<UserRow>('select * from users where id = $1', [id]);
    return row;
  }

  /** The users having this e-mail address or this username (both lower case). */
  async withEmailOrUsername(email: string, username: string): Promise<{ email: string; username: string }[]> {
    return this.sql.query('select email, username from users where email = $1 or username = $2', [email, username]);
  }

  /** A person (not a bot) by e-mail address or username (lower case). */
  async personByLogin(login: string): Promise<UserRow | undefined> {
    const [row] = await this.sql.query<UserRow>('select * from users where (email = $1 or username = $1) and not is_bot', [login]);
    return row;
  }

  /** The id of whoever has this e-mail address or username (bots included). */
  async idOfLogin(login: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ id: string }>('select id from users where email = $1 or username = $1', [login]);
    return row?.id;
  }

  async personByEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await this.sql.query<UserRow>('select * from users where email = $1 and not is_bot', [email]);
    return row;
  }

  async byUsername(username: string): Promise<UserRow | undefined> {
    const [row] = await this.sql.query<UserRow>('select * from users where username = $1', [username]);
    return row;
  }

  /** A new user; which of its unique keys was taken when another account has it. */
  async insertUser(u: NewUser): Promise<UserRow | { taken: 'email' | 'username' }> {
    try {
      const [row] = await this.sql.query<UserRow>(
        `insert into users (id, email, username, name, password_hash, language, is_bot, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning *`,
        [u.id, u.email, u.username, u.name, u.passwordHash, u.language, u.isBot, u.at],
      );
      return row!;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const detail = String((error as { constraint?: string; detail?: string }).constraint ?? (error as { detail?: string }).detail ?? '');
      return { taken: detail.includes('email') ? 'email' : 'username' };
    }
  }

  async setPasswordHash(id: string, hash: string): Promise<void> {
    await this.sql.query('update users set password_hash = $2 where id = $1', [id, hash]);
  }

  async setTimeZone(id: string, timeZone: string): Promise<void> {
    await this.sql.query('update users set time_zone = $2 where id = $1', [id, timeZone]);
  }

  /** Changes what is given (null keeps it). */
  async updateProfile(id: string, p: { name: string | null; language: Language | null; phone: string | null }): Promise<UserRow | undefined> {
    const [row] = await this.sql.query<UserRow>('update users set name = coalesce($2, name), language = coalesce($3, language), phone = coalesce($4, phone) where id = $1 returning *', [
      id,
      p.name,
      p.language,
      p.phone,
    ]);
    return row;
  }

  /** 'taken' when another account has this address. */
  async setEmail(id: string, email: string): Promise<UserRow | 'taken' | undefined> {
    try {
      const [row] = await this.sql.query<UserRow>('update users set email = $2 where id = $1 returning *', [id, email]);
      return row;
    } catch (error) {
      if (isUniqueViolation(error)) return 'taken';
      throw error;
    }
  }

  /** Sets the presence; the status text and emoji change when given (null keeps them). */
  async setPresence(id: string, p: { presence: string; statusText: string | null; statusEmoji: string | null }): Promise<UserRow | undefined> {
    const [row] = await this.sql.query<UserRow>(
      'update users set presence = $2, status_text = coalesce($3, status_text), status_emoji = coalesce($4, status_emoji) where id = $1 returning *',
      [id, p.presence, p.statusText, p.statusEmoji],
    );
    return row;
  }

  // ---- sessions ----

  async insertSession(s: { tokenHash: string; userId: string; label: string; at: number; expiresAt: number }): Promise<void> {
    await this.sql.query('insert into sessions (token_hash, user_id, label, created_at, expires_at) values ($1, $2, $3, $4, $5)', [s.tokenHash, s.userId, s.label, s.at, s.expiresAt]);
  }

  /** A bot's session with a fixed token, made live again (and never expiring) if it was revoked. */
  async upsertBotSession(tokenHash: string, userId: string, at: number): Promise<void> {
    await this.sql.query(
      `insert into sessions (token_hash, user_id, label, created_at, expires_at) values ($1, $2, 'bot', $3, $4)
       on conflict (token_hash) do update set revoked_at = null, expires_at = excluded.expires_at`,
      [tokenHash, userId, at, Number.MAX_SAFE_INTEGER],
    );
  }

  /** A session's user, with the session's expiry and revocation. */
  async sessionUser(tokenHash: string): Promise<(UserRow & { expires_at: number; revoked_at: number | null }) | undefined> {
    const [row] = await this.sql.query<UserRow & { expires_at: number; revoked_at: number | null }>(
      `select u.*, s.expires_at as expires_at, s.revoked_at as revoked_at from sessions s join users u on u.id = s.user_id where s.token_hash = $1`,
      [tokenHash],
    );
    return row;
  }

  async revokeSession(tokenHash: string, at: number): Promise<void> {
    await this.sql.query('update sessions set revoked_at = $2 where token_hash = $1 and revoked_at is null', [tokenHash, at]);
  }

  /** Revokes the user's live sessions, but the one of `except`; their token hashes. */
  async revokeSessionsOf(userId: string, at: number, except: string | null = null): Promise<string[]> {
    const rows = await this.sql.query<{ token_hash: string }>(
      'update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null and ($3::text is null or token_hash <> $3) returning token_hash',
      [userId, at, except],
    );
    return rows.map((r) => r.token_hash);
  }

  // ---- password resets ----

  async insertReset(tokenHash: string, userId: string, at: number, expiresAt: number): Promise<void> {
    await this.sql.query('insert into password_resets (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)', [tokenHash, userId, at, expiresAt]);
  }

  async reset(tokenHash: string): Promise<ResetRow | undefined> {
    const [row] = await this.sql.query<ResetRow>('select user_id, expires_at::float8 as expires_at, used_at from password_resets where token_hash = $1', [tokenHash]);
    return row;
  }

  /** Marks a reset link used; false when it already was (two clicks at once: one wins). */
  async useReset(tokenHash: string, at: number): Promise<boolean> {
    return (await this.sql.query('update password_resets set used_at = $2 where token_hash = $1 and used_at is null returning 1', [tokenHash, at])).length > 0;
  }

  /** Serializes bot set-up across nodes starting at once (until the transaction ends). */
  async lockBots(): Promise<void> {
    await this.sql.query('select pg_advisory_xact_lock(7250002)');
  }

  // ---- app passwords ----

  async appPasswords(userId: string): Promise<AppPasswordRow[]> {
    return this.sql.query<AppPasswordRow>('select id, user_id, name, created_at, last_used_at from app_passwords where user_id = $1 order by created_at, id', [userId]);
  }

  /** Adds one unless the user has `max` already (counted under their row's lock: two at once cannot pass the cap). */
  async insertAppPassword(row: AppPasswordRow & { secret_hash: string }, max: number): Promise<boolean> {
    return this.tx(async (tx) => {
      await tx.sql.query('select 1 from users where id = $1 for update', [row.user_id]);
      const [n] = await tx.sql.query<{ n: number }>('select count(*)::int as n from app_passwords where user_id = $1', [row.user_id]);
      if (n!.n >= max) return false;
      await tx.sql.query('insert into app_passwords (id, user_id, name, secret_hash, created_at) values ($1, $2, $3, $4, $5)', [row.id, row.user_id, row.name, row.secret_hash, row.created_at]);
      return true;
    });
  }

  async deleteAppPassword(id: string, userId: string): Promise<boolean> {
    return (await this.sql.query('delete from app_passwords where id = $1 and user_id = $2 returning 1', [id, userId])).length > 0;
  }

  async appPasswordBySecret(secretHash: string): Promise<AppPasswordRow | undefined> {
    const [row] = await this.sql.query<AppPasswordRow>('select id, user_id, name, created_at, last_used_at from app_passwords where secret_hash = $1', [secretHash]);
    return row;
  }

  /** Every app password of the user (a new password, "sign out everywhere"): their devices sign in again. */
  async deleteAppPasswordsOf(userId: string): Promise<void> {
    await this.sql.query('delete from app_passwords where user_id = $1', [userId]);
  }

  async touchAppPassword(id: string, at: number): Promise<void> {
    await this.sql.query('update app_passwords set last_used_at = $2 where id = $1', [id, at]);
  }
}

export interface AppPasswordRow {
  id: string;
  user_id: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}
