// Importing contacts (issue 21's figures): a 10,000-line CSV imported over
// HTTP into Parley on its embedded defaults (PGlite in the process), its time
// next to papaparse alone reading the same file (the baseline: the parsing
// no import can skip), and the process's peak memory while it runs; then a
// 50 MB CSV (10,000 lines with long notes) imported while /healthz is asked
// every 20 ms, its latency next to the same probe on the idle server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import pino from 'pino';
import { configFromEnv, createParley } from '@parley/server';
import type { AddressBookView, AuthReply } from '@parley/protocol';
import type { BenchResult } from './lib/result.ts';

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** `lines` rows after a header, each padded with a note of `noteChars`. */
function csv(lines: number, noteChars: number): string {
  const rows = ['First Name,Last Name,E-mail Address,Mobile Phone,Company,City,Notes'];
  for (let i = 0; i < lines; i++) rows.push(`Person${i},Müller${i},p${i}@example.org,+41 79 ${String(i).padStart(7, '0')},Acme ${i % 50},Zürich,${'n'.repeat(noteChars)}`);
  return rows.join('\n');
}

/** /healthz round trips every `everyMs` until `stop` resolves. */
async function probe(base: string, stop: Promise<unknown>, everyMs: number): Promise<number[]> {
  const times: number[] = [];
  let done = false;
  void stop.finally(() => (done = true));
  while (!done) {
    const t0 = performance.now();
    await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return times;
}

export async function run(opts: { quick?: boolean }): Promise<BenchResult[]> {
  const lines = opts.quick ? 2_000 : 10_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-import-bench-'));
  const base = configFromEnv({ secret: 'bench' });
  const parley = await createParley(
    { ...base, host: '127.0.0.1', port: 0, redisUrl: undefined, database: { kind: 'pglite', dir: path.join(dir, 'pglite') }, sfu: { ...base.sfu, workers: 1, listenIp: '127.0.0.1', announcedAddress: undefined, port: 0 } },
    { logger: pino({ level: 'warn' }) },
  );
  try {
    const url = parley.url;
    const signup = (await (
      await fetch(`${url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'bench@example.org', username: 'bench', name: 'Bench', password: 'plum harbour lantern 42' }),
      })
    ).json()) as AuthReply;
    const auth = { authorization: `Bearer ${signup.token}` };
    const book = async (name: string) =>
      ((await (await fetch(`${url}/api/contacts/books`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name }) })).json()) as { book: AddressBookView }).book.id;
    const importInto = async (bookId: string, body: string) => {
      const res = await fetch(`${url}/api/contacts/books/${bookId}/import?format=csv`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body });
      if (res.status !== 201) throw new Error(`import: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { result: { imported: number } }).result.imported;
    };

    // 1. A 10,000-line CSV (about 1 MB): time and peak memory; papaparse alone on the same text.
    const small = csv(lines, 0);
    const t0 = performance.now();
    const parsed = Papa.parse(small, { skipEmptyLines: 'greedy' }).data.length;
    const bare = performance.now() - t0;
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const t1 = performance.now();
    const imported = await importInto(await book('Small'), small);
    const took = performance.now() - t1;
    clearInterval(sampler);
    if (imported !== lines || parsed !== lines + 1) throw new Error(`imported ${imported}, parsed ${parsed}`);

    // 2. /healthz on the idle server, then during a 50 MB import (10,000 lines of about 5 KB).
    const idle = await probe(url, new Promise((r) => setTimeout(r, 2_000)), 20);
    const big = csv(lines, Math.floor((50 * 1024 * 1024 * (opts.quick ? 0.2 : 0.98)) / lines) - 80);
    const t2 = performance.now();
    const importing = importInto(await book('Big'), big);
    const during = await probe(url, importing, 20);
    const bigTook = performance.now() - t2;

    return [
      { bench: 'contacts-import', metric: `${lines.toLocaleString('en')}-line CSV import (HTTP, PGlite)`, value: took, unit: 'ms', baseline: bare, baselineName: 'papaparse alone' },
      { bench: 'contacts-import', metric: 'peak memory over the process during it', value: (peak - rssBefore) / 1024 / 1024, unit: 'MB', note: `file ${(small.length / 1024 / 1024).toFixed(1)} MB` },
      {
        bench: 'contacts-import',
        metric: `/healthz p99 during a ${(Buffer.byteLength(big) / 1024 / 1024).toFixed(0)} MB import`,
        value: percentile(during, 99),
        unit: 'ms',
        baseline: percentile(idle, 99),
        baselineName: 'idle',
        note: `p50 ${percentile(during, 50).toFixed(1)} ms (idle ${percentile(idle, 50).toFixed(1)}), max ${Math.max(...during).toFixed(0)} ms, ${during.length} probes; the import took ${(bigTook / 1000).toFixed(1)} s`,
      },
    ];
  } finally {
    await parley.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
