// Versioned migrations: migrations/NNN_name.sql, applied in order, each in its
// own transaction, recorded in schema_migrations. Several server processes
// may start at once against one PostgreSQL: an advisory lock lets one of them
// migrate while the others wait, then find nothing left to do.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './db.ts';

const DIR = path.join(import.meta.dirname, 'migrations');
const LOCK_KEY = 7_250_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

/** Applies what is missing; returns the versions applied now. */
export async function migrate(db: Db, migrations = loadMigrations()): Promise<number[]> {
  // Under the lock too: "create table if not exists" is not safe against a
  // concurrent creator (both see no table, one fails on the type's name).
  await db.tx(async (sql) => {
    await sql.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await sql.query('create table if not exists schema_migrations (version int primary key, name text not null, applied_at bigint not null)');
  });
  const applied: number[] = [];
  for (const m of migrations) {
    const done = await db.tx(async (sql) => {
      await sql.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const [row] = await sql.query('select 1 from schema_migrations where version = $1', [m.version]);
      if (row) return false;
      // Each migration file may hold several statements: run them one by one
      // (the extended query protocol takes one statement at a time).
      for (const statement of splitStatements(m.sql)) await sql.query(statement);
      await sql.query('insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)', [m.version, m.name, Date.now()]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

/** Splits on `;` at line ends, but within a function body (between `$$`): one statement per `;`-terminated block. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  // A function's body ($$ ... $$) holds semicolons of its own.
  let inBody = false;
  for (const line of sql.replace(/^\s*--.*$/gm, '').split('\n')) {
    current.push(line);
    if ((line.match(/\$\$/g)?.length ?? 0) % 2 === 1) inBody = !inBody;
    if (!inBody && /;\s*$/.test(line)) {
      statements.push(current.join('\n').trim().replace(/;$/, ''));
      current = [];
    }
  }
  statements.push(current.join('\n').trim());
  return statements.filter(Boolean);
}
