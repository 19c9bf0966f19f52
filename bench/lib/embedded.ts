// Parley on its embedded defaults (PGlite in this process, no Redis), in the
// benchmark's own process so that /healthz probes see its event loop, with
// one account signed up (and its organization).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { configFromEnv, createParley } from '@parley/server';
import type { AuthReply } from '@parley/protocol';

export interface Embedded {
  url: string;
  token: string;
  orgId: string;
  close(): Promise<void>;
}

export async function startEmbedded(name: string): Promise<Embedded> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `parley-${name}-bench-`));
  const base = configFromEnv({ secret: 'bench' });
  const parley = await createParley(
    { ...base, host: '127.0.0.1', port: 0, redisUrl: undefined, database: { kind: 'pglite', dir: path.join(dir, 'pglite') }, sfu: { ...base.sfu, workers: 1, listenIp: '127.0.0.1', announcedAddress: undefined, port: 0 } },
    { logger: pino({ level: 'warn' }) },
  );
  try {
    const res = await fetch(`${parley.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.org', username: 'bench', name: 'Bench', password: 'plum harbour lantern 42', orgName: 'Bench' }),
    });
    if (res.status !== 201) throw new Error(`signup: ${res.status} ${await res.text()}`);
    const signup = (await res.json()) as AuthReply;
    return {
      url: parley.url,
      token: signup.token,
      orgId: signup.orgs[0]!.id,
      async close() {
        await parley.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await parley.close();
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
