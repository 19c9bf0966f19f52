// Starts a private redis-server (Debian's package) on a unix socket: no port
// to collide with, no system service to depend on. Used by `npm start` when
// REDIS_URL is unset, and by the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface RedisServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startRedis(dir: string, opts: { persist?: boolean } = {}): Promise<RedisServer> {
  fs.mkdirSync(dir, { recursive: true });
  const sock = path.join(dir, 'redis.sock');
  fs.rmSync(sock, { force: true });
  const args = [
    '--port', '0',
    '--unixsocket', sock,
    '--unixsocketperm', '700',
    '--dir', dir,
    '--appendonly', 'no',
    '--save', opts.persist ? '300 1' : '',
    '--loglevel', 'warning',
  ];
  // Its own process group: a terminal's Ctrl-C reaches our scripts, which stop
  // Redis last, after the server has closed its connections.
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${stderr.trim()}`);
    if (await ping(sock)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `unix://${sock}`,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function ping(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.createConnection(sock);
    c.once('connect', () => c.write('PING\r\n'));
    c.once('data', (d) => {
      c.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    c.once('error', () => resolve(false));
  });
}
