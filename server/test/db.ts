// The two databases every store test runs on: PGlite in memory, and a fresh
// database in the real PostgreSQL server started by the test runner
// (PARLEY_TEST_PG_URL).
import crypto from 'node:crypto';
import pg from 'pg';
import { openDb, type Db } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';

export const DB_KINDS = ['pglite', 'postgres'] as const;
export type DbKind = (typeof DB_KINDS)[number];

export function pgAdminUrl(): string {
  const url = process.env.PARLEY_TEST_PG_URL;
  if (!url) throw new Error('PARLEY_TEST_PG_URL is not set: run tests with `npm test` or `node scripts/test.ts`');
  return url;
}

/** A new, empty PostgreSQL database; returns its URL. */
export async function freshPostgresUrl(): Promise<string> {
  const admin = new pg.Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(pgAdminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** An empty, migrated database of that kind. */
export async function testDb(kind: DbKind): Promise<Db> {
  const db = kind === 'pglite' ? await openDb({ kind: 'pglite', dir: undefined }) : await openDb({ kind: 'postgres', url: await freshPostgresUrl(), poolSize: 10 });
  await migrate(db);
  return db;
}
