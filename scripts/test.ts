// `npm test` (after setup): typecheck, then every test file under Vitest
// (vitest.config.ts: one project per package): unit and integration tests
// (real mediasoup workers, a real redis-server, a real PostgreSQL server),
// then the browser end-to-end tests (real Chromium), one file at a time
// because they load both cores.
//
//   node scripts/test.ts              everything
//   node scripts/test.ts server/test  only files under these paths
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres } from './lib/postgres-server.ts';
import { startRedis } from './lib/redis-server.ts';
import { ALONE } from './lib/test-groups.ts';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);
const filters = process.argv.slice(2);

function run(title: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): boolean {
  console.log(`\n=== ${title}`);
  const started = Date.now();
  const res = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`=== ${title}: ${res.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return res.status === 0;
}

function testFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(p);
      else if (entry.name.endsWith('.test.ts')) out.push(p);
    }
  };
  dirs.forEach(walk);
  return out.sort().filter((f) => filters.length === 0 || filters.some((x) => f.startsWith(x)));
}

const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const vitest = path.join(root, 'node_modules/vitest/vitest.mjs');
const UNIT_PROJECTS = ['protocol', 'i18n', 'sfu', 'server', 'recorder', 'bots', 'web'];
// Every test's name and time in the log, as CI keeps nothing else.
const REPORT = ['--reporter=verbose'];
let ok = true;
if (filters.length === 0) {
  ok = run('typecheck (server side)', process.execPath, [tsc, '-p', 'tsconfig.json']) && ok;
  ok = run('typecheck (web client)', process.execPath, [tsc, '-p', 'web/tsconfig.json']) && ok;
  ok = run('typecheck (browser tests and benchmarks)', process.execPath, [tsc, '-p', 'tsconfig.drivers.json']) && ok;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-test-'));
const redis = await startRedis(path.join(tmp, 'redis'));
// One PostgreSQL server for the whole run; each test creates its own database in it.
const postgres = await startPostgres();
const env = { PARLEY_TEST_REDIS_URL: redis.url, PARLEY_TEST_PG_URL: postgres.url, PARLEY_TEST_TMP: tmp };
try {
  const all = testFiles(['protocol/test', 'i18n/test', 'sfu/test', 'server/test', 'recorder/test', 'bots/test', 'web/test']);
  const unit = all.filter((f) => !ALONE.includes(f));
  if (unit.length) {
    ok = run(`unit and integration tests (${unit.length} files)`, process.execPath, [vitest, 'run', ...UNIT_PROJECTS.flatMap((p) => ['--project', p]), ...REPORT, ...unit], env) && ok;
  }
  const alone = all.filter((f) => ALONE.includes(f));
  if (alone.length) {
    ok = run(`latency tests, alone on the machine (${alone.length} files)`, process.execPath, [vitest, 'run', '--project', 'alone', ...REPORT, ...alone], env) && ok;
  }
  const e2e = testFiles(['e2e']);
  if (e2e.length) {
    ok = run(`browser end-to-end tests (${e2e.length} files)`, process.execPath, [vitest, 'run', '--project', 'e2e', ...REPORT, ...e2e], env) && ok;
  }
} finally {
  await postgres.stop();
  await redis.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(ok ? '\nall tests passed' : '\nSOME TESTS FAILED');
process.exit(ok ? 0 : 1);
