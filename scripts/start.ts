// `npm start`: the whole stack on embedded defaults. Starts a private Redis
// when REDIS_URL is unset, then one server node; Ctrl-C / SIGTERM stops both.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startRedis, type RedisServer } from './lib/redis-server.ts';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(root, 'data'));
let redis: RedisServer | undefined;
if (!process.env.REDIS_URL) {
  redis = await startRedis(path.join(dataDir, 'redis'), { persist: true });
  console.log(`[start] embedded Redis at ${redis.url}`);
}

const server = spawn(process.execPath, [path.join(root, 'server/src/main.ts')], {
  stdio: 'inherit',
  env: { ...process.env, DATA_DIR: dataDir, ...(redis ? { REDIS_URL: redis.url } : {}) },
});

let stopping: Promise<never> | undefined;
/** Stops the server, then Redis, then exits; every trigger shares one run. */
function stop(code: number): Promise<never> {
  stopping ??= (async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await new Promise((r) => server.once('exit', r));
      clearTimeout(timer);
    }
    await redis?.stop();
    process.exit(code);
  })();
  return stopping;
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
server.on('exit', (code) => void stop(code ?? 1));
redis?.process.on('exit', () => {
  if (stopping === undefined) {
    console.error('[start] embedded Redis stopped unexpectedly');
    void stop(1);
  }
});
