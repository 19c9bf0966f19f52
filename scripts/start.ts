// `npm start`: the whole stack on embedded defaults. Starts a private Redis
// when REDIS_URL is unset, then one server node, one recorder process
// (recordings and live streams; RECORDER=0 leaves it out, for a node whose
// recorders run elsewhere) and the bots process (Euria; BOTS=0 leaves it
// out); Ctrl-C / SIGTERM stops them all. The database is PGlite under
// DATA_DIR unless DATABASE_URL names a PostgreSQL server.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startRedis, type RedisServer } from './lib/redis-server.ts';
import { loadSecret } from '../platform/src/config.ts';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(root, 'data'));
let redis: RedisServer | undefined;
if (!process.env.REDIS_URL) {
  redis = await startRedis(path.join(dataDir, 'redis'), { persist: true });
  console.log(`[start] embedded Redis at ${redis.url}`);
}
// Server, recorder and bots share one secret (share links, Euria's token):
// make sure it exists (DATA_DIR/secret) before any of them starts.
if (!process.env.PARLEY_SECRET) loadSecret(dataDir);
const env = { ...process.env, DATA_DIR: dataDir, ...(redis ? { REDIS_URL: redis.url } : {}) };

const children: ChildProcess[] = [];
const server = spawn(process.execPath, [path.join(root, 'server/src/main.ts')], { stdio: 'inherit', env });
children.push(server);
if (process.env.RECORDER !== '0') {
  children.push(spawn(process.execPath, [path.join(root, 'recorder/src/main.ts')], { stdio: 'inherit', env }));
}
if (process.env.BOTS !== '0' && process.env.DATABASE !== 'off') {
  // Euria reconnects until the server listens; it talks to it like any client.
  children.push(spawn(process.execPath, [path.join(root, 'bots/src/main.ts')], { stdio: 'inherit', env }));
}

let stopping: Promise<never> | undefined;
/** Stops the processes, then Redis, then exits; every trigger shares one run. */
function stop(code: number): Promise<never> {
  stopping ??= (async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        // A recorder finishes its recordings (joins the parts) before it exits.
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        await new Promise((r) => child.once('exit', r));
        clearTimeout(timer);
      }),
    );
    await redis?.stop();
    process.exit(code);
  })();
  return stopping;
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
for (const child of children) child.on('exit', (code) => void stop(code ?? 1));
redis?.process.on('exit', () => {
  if (stopping === undefined) {
    console.error('[start] embedded Redis stopped unexpectedly');
    void stop(1);
  }
});
