// The SQL database: PostgreSQL everywhere. PGlite (PostgreSQL compiled to
// WASM, in this process) by default, so a single node runs with no database
// server; a real PostgreSQL server when DATABASE_URL is set. Both speak the
// same SQL and run the same migrations; the store contract tests run on both.
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Something that runs SQL: the database itself or one transaction of it. */
export interface Sql {
  query<T extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /**
   * `query` for the hottest statements (chat's batch writer), on a PostgreSQL
   * server: each connection parses and plans `text` once under `name` and
   * reuses the plan, since planning a statement of several CTEs costs more
   * than running it for a few rows. A cached plan must not depend on how big
   * the tables were when it was made (a new database is empty; a plan that
   * scans a then-tiny table scans it whole on every call a million rows
   * later), so these run on their own connections that plan for index
   * lookups only: no sequential scans, hash or merge joins. Such statements
   * must touch few rows through indexes. `name` always goes with the same
   * `text`. PGlite runs it as a plain query.
   */
  prepared<T extends object = Record<string, unknown>>(name: string, text: string, params: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back
   * when it throws (the error is rethrown unchanged).
   */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * Calls `onPayload` with each notification (NOTIFY) on `channel`, a
   * lower-case name, from any session of this database, and `onGap` when
   * some may have been missed (the connection to the server was lost, and
   * listening began again). Answers how to stop.
   */
  listen(channel: string, onPayload: (payload: string) => void, onGap: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Whether the database refused a text for its characters (a NUL, or bytes
 * that are not UTF-8): the sender's input, not our failure. The edge
 * already refuses NUL in what it validates; this catches what it could not
 * see (a file's contents).
 */
export function isRefusedText(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}

/**
 * A feature's SQL, on the database itself or inside one of its transactions:
 * `tx` runs a function with the store in a transaction (in the one it is
 * already in, if any), `within` puts it in a transaction begun elsewhere (two
 * features writing together).
 */
export abstract class SqlStore<Self extends SqlStore<Self>> {
  protected readonly db: Db;
  /** The database itself, or the transaction this store works in. */
  readonly sql: Sql;

  constructor(db: Db, sql: Sql = db) {
    this.db = db;
    this.sql = sql;
  }

  /** The same store on `sql`. */
  protected abstract on(sql: Sql): Self;

  /** Whether this store works inside a transaction. */
  protected get inTransaction(): boolean {
    return this.sql !== this.db;
  }

  within(sql: Sql): Self {
    return sql === this.sql ? (this as unknown as Self) : this.on(sql);
  }

  tx<T>(fn: (store: Self) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this as unknown as Self);
    return this.db.tx((sql) => fn(this.on(sql)));
  }
}

export type DatabaseConfig = { kind: 'pglite'; dir: string | undefined } | { kind: 'postgres'; url: string; poolSize: number };

// bigint (int8) columns hold sequence numbers and millisecond times: well
// inside 2^53, so they come back as numbers on both drivers (PGlite already
// does; node-postgres would return strings).
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * PGlite runs SQL in this thread, and its promises settle as microtasks: a
 * chain of queries (a 10,000-contact import in one transaction, 100 rows a
 * statement) never let timers, sockets or /healthz through, and held the
 * event loop 2.8 s on a 50 MB import (bench/contacts-import.ts). Each query
 * waits one turn of the event loop first, so the longest hold is one
 * statement's.
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

class PgliteDb implements Db {
  readonly kind = 'pglite';
  readonly #db: PGlite;
  constructor(db: PGlite) {
    this.#db = db;
  }
  async query<T extends object>(text: string, params: unknown[] = []): Promise<T[]> {
    await turn();
    return (await this.#db.query<T>(text, params)).rows;
  }
  prepared<T extends object>(_name: string, text: string, params: unknown[]): Promise<T[]> {
    return this.query<T>(text, params);
  }
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.#db.transaction((t) =>
      fn({
        query: async <R extends object>(q: string, p: unknown[] = []) => {
          await turn();
          return (await t.query<R>(q, p)).rows;
        },
      }),
    );
  }
  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    // In this process: nothing between it and the database to lose.
    const stop = await this.#db.listen(channel, onPayload);
    return async () => {
      if (!this.#db.closed) await stop();
    };
  }
  async close(): Promise<void> {
    if (!this.#db.closed) await this.#db.close();
  }
}

class PostgresDb implements Db {
  readonly kind = 'postgres';
  readonly #url: string;
  readonly #pool: pg.Pool;
  readonly #hot: pg.Pool;
  readonly #listeners = new Set<() => Promise<void>>();
  constructor(url: string, pool: pg.Pool, hot: pg.Pool) {
    this.#url = url;
    this.#pool = pool;
    this.#hot = hot;
  }
  /**
   * A connection of its own (a pooled one is shared by turns, and LISTEN
   * belongs to one session), made again after a loss: 0.5 s, then twice as
   * long each time, at most 30 s; `onGap` once it listens again. A loss the
   * network never reports (a half-open connection after a failover or a NAT
   * forgetting it) is found by asking the server every 30 s, 10 s at most.
   */
  async listen(channel: string, onPayload: (payload: string) => void, onGap: () => void): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    let current: pg.Client | undefined;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let delay = 500;
    const again = () => {
      current = undefined;
      if (stopped || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void connect(true);
      }, delay);
      delay = Math.min(delay * 2, 30_000);
    };
    const connect = async (gap: boolean) => {
      const client = new pg.Client({ connectionString: this.#url, keepAlive: true, connectionTimeoutMillis: 10_000, query_timeout: 10_000 });
      client.on('notification', (n) => {
        if (n.channel === channel && n.payload !== undefined) onPayload(n.payload);
      });
      // A lost server is an 'error' then an 'end': the end decides.
      client.on('error', () => undefined);
      client.on('end', () => {
        if (current === client) again();
      });
      try {
        await client.connect();
        await client.query(`listen ${channel}`);
      } catch {
        await client.end().catch(() => undefined);
        again();
        return;
      }
      if (stopped) return void (await client.end().catch(() => undefined));
      current = client;
      delay = 500;
      if (gap) onGap();
    };
    const health = setInterval(() => {
      const client = current;
      if (!client) return;
      client.query('select 1').catch(() => {
        // Given up on: its end, whenever it comes, is no longer this listener's concern.
        if (current !== client) return;
        again();
        void client.end().catch(() => undefined);
      });
    }, 30_000);
    health.unref();
    await connect(false);
    const stop = async () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(health);
      this.#listeners.delete(stop);
      const client = current;
      current = undefined;
      await client?.end().catch(() => undefined);
    };
    this.#listeners.add(stop);
    return stop;
  }
  async query<T extends object>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.#pool.query(text, params)).rows as T[];
  }
  async prepared<T extends object>(name: string, text: string, params: unknown[]): Promise<T[]> {
    return (await this.#hot.query({ name, text, values: params })).rows as T[];
  }
  async tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('begin');
      const result = await fn({ query: async <R extends object>(q: string, p: unknown[] = []) => (await client.query(q, p)).rows as R[] });
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
  async close(): Promise<void> {
    await Promise.all([...this.#listeners].map((stop) => stop()));
    await Promise.all([this.#pool.end(), this.#hot.end()]);
  }
}

export async function openDb(config: DatabaseConfig): Promise<Db> {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize });
    // Two: the batch writer reads one batch while it writes the one before.
    const hot = new pg.Pool({ connectionString: config.url, max: 2, options: '-c enable_seqscan=off -c enable_hashjoin=off -c enable_mergejoin=off -c plan_cache_mode=force_generic_plan' });
    // An idle client losing its server (restart, failover) must not crash the process.
    pool.on('error', () => undefined);
    hot.on('error', () => undefined);
    const db = new PostgresDb(config.url, pool, hot);
    await db.query('select 1');
    return db;
  }
  if (config.dir) fs.mkdirSync(config.dir, { recursive: true });
  return new PgliteDb(await PGlite.create(config.dir ?? 'memory://'));
}

/** Postgres' unique_violation: a concurrent insert won the race. */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: string } | null)?.code === '23505';
