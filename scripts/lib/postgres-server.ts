// Starts a private PostgreSQL server (Debian's package) on a loopback port
// in its own data folder: what the tests use for the PostgreSQL side of the
// store contract tests and for several server processes sharing one
// database. No system service is touched. PostgreSQL refuses to run as root,
// so under root it runs as the package's `postgres` user.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PostgresServer {
  /** Connection URL of the `postgres` database (superuser `parley`, no password: loopback and trust only). */
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The newest installed server's bin folder (/usr/lib/postgresql/<major>/bin). */
export function postgresBin(): string {
  if (process.env.PARLEY_PG_BIN) return process.env.PARLEY_PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'bin', 'postgres'))) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  if (!majors.length) throw new Error('PostgreSQL is not installed (apt package postgresql): run `npm run setup`');
  return path.join(root, majors[0]!, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-pg-'));
  const asRoot = process.getuid?.() === 0;
  const wrap = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
  if (asRoot) spawnSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const [initCmd, initArgs] = wrap(path.join(bin, 'initdb'), ['-D', data, '-U', 'parley', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  // Durability settings off: test data never needs to survive a power cut.
  const [cmd, args] = wrap(path.join(bin, 'postgres'), [
    '-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', dir,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${stderr.trim()}`);
    if (stderr.includes('ready to accept connections')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`postgres did not start: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `postgres://parley@127.0.0.1:${port}/postgres`,
    port,
    process: child,
    async stop() {
      // The postmaster itself: under root the child is runuser, which exits
      // on a signal without passing it on, and left PostgreSQL running.
      const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      if (pid > 0 && alive()) {
        // SIGINT: "fast shutdown" (disconnects clients instead of waiting for them).
        process.kill(pid, 'SIGINT');
        const deadline = Date.now() + 10_000;
        while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        if (alive()) process.kill(pid, 'SIGKILL');
      }
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
