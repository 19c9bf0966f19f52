// An operator's mistake at start (a port taken, a setting mistyped) is said
// in one sentence naming the variable to change: no stack trace, exit 1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, test } from 'vitest';

const main = path.resolve(import.meta.dirname, '../src/main.ts');
const dataDir = fs.mkdtempSync(path.join(process.env.PARLEY_TEST_TMP ?? os.tmpdir(), 'parley-startup-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Runs one server node with `env` until it exits (or 60 s); answers its exit code and output. */
function run(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, DATABASE: 'off', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** A free port, found by binding port 0. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const noStack = (out: string) => assert.doesNotMatch(out, /^\s+at /m, `a stack trace was printed:\n${out}`);

describe('starting with a mistake', () => {
  test('a media port in use: which port, which variable; no stack trace', async () => {
    const mediaPort = 20000 + Math.floor(Math.random() * 20000);
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => udp.bind(mediaPort, '127.0.0.1', () => r()));
    try {
      const { code, out } = await run({ PORT: String(await freePort()), MEDIA_PORT: String(mediaPort), MEDIA_LISTEN_IP: '127.0.0.1', MEDIA_WORKERS: '1' });
      assert.equal(code, 1);
      assert.match(out, new RegExp(`Parley cannot start: the media port ${mediaPort}/udp is already in use.*set MEDIA_PORT to a free port`));
      noStack(out);
    } finally {
      udp.close();
    }
  });

  test('the web port in use: which port, which variable; no stack trace', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const { code, out } = await run({ PORT: String(port), MEDIA_PORT: '0', MEDIA_LISTEN_IP: '127.0.0.1', MEDIA_WORKERS: '1' });
      assert.equal(code, 1);
      assert.match(out, new RegExp(`Parley cannot start: port ${port} on 127\\.0\\.0\\.1 is already in use.*set PORT to a free port`));
      noStack(out);
    } finally {
      holder.close();
    }
  });

  test('a mistyped setting: the variable and what it expects', async () => {
    const { code, out } = await run({ STREAM_MAX_SECONDS: '100000' });
    assert.equal(code, 1);
    assert.match(out, /Parley cannot start: STREAM_MAX_SECONDS must be an integer from 10 to 86400, got "100000"/);
    noStack(out);
  });
});
