// Importing contacts (issue 21's figures): a 10,000-line CSV imported over
// HTTP into Parley on its embedded defaults (PGlite in the process), its time
// next to papaparse alone reading the same file (the baseline: the parsing
// no import can skip), and the process's peak memory growth during it; then a
// 50 MB CSV (10,000 lines with long notes) imported while /healthz is asked
// every 20 ms, its latency next to the same probe on the idle server.
import http from 'node:http';
import Papa from 'papaparse';
import type { AddressBookView } from '@parley/protocol';
import { startEmbedded } from './lib/embedded.ts';
import { percentile, probeHealthz } from './lib/probe.ts';
import type { BenchResult } from './lib/result.ts';

/** `lines` rows after a header, each padded with a note of `noteChars`. */
function csv(lines: number, noteChars: number): string {
  const rows = ['First Name,Last Name,E-mail Address,Mobile Phone,Company,City,Notes'];
  for (let i = 0; i < lines; i++) rows.push(`Person${i},Müller${i},p${i}@example.org,+41 79 ${String(i).padStart(7, '0')},Acme ${i % 50},Zürich,${'n'.repeat(noteChars)}`);
  return rows.join('\n');
}

/** The process's resident memory sampled every 5 ms: its growth over the start, at most. */
function rssGrowth(): { stop(): number } {
  const start = process.memoryUsage().rss;
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  return {
    stop() {
      clearInterval(sampler);
      return (Math.max(peak, process.memoryUsage().rss) - start) / 1024 / 1024;
    },
  };
}

export async function run(opts: { quick?: boolean }): Promise<BenchResult[]> {
  const lines = opts.quick ? 2_000 : 10_000;
  const server = await startEmbedded('import');
  try {
    const url = server.url;
    const auth = { authorization: `Bearer ${server.token}` };
    const book = async (name: string) =>
      ((await (await fetch(`${url}/api/contacts/books`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name }) })).json()) as { book: AddressBookView }).book.id;
    // The file goes out already encoded, 1 MB a write: fetch() encoding and
    // copying a 50 MB string held this process (the server's too) 0.4 s,
    // which the probes then counted against the server.
    const importInto = (bookId: string, body: string) => {
      const bytes = Buffer.from(body);
      return new Promise<number>((resolve, reject) => {
        const req = http.request(`${url}/api/contacts/books/${bookId}/import?format=csv`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv', 'content-length': bytes.length } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => {
            const text = Buffer.concat(parts).toString();
            if (res.statusCode !== 201) reject(new Error(`import: ${res.statusCode} ${text}`));
            else resolve((JSON.parse(text) as { result: { imported: number } }).result.imported);
          });
        });
        req.on('error', reject);
        const send = (at: number) => {
          while (at < bytes.length) {
            const more = req.write(bytes.subarray(at, (at += 1024 * 1024)));
            if (!more) return void req.once('drain', () => send(at));
          }
          req.end();
        };
        send(0);
      });
    };

    // 1. A 10,000-line CSV (about 1 MB): time and peak memory; papaparse alone on the same text.
    const small = csv(lines, 0);
    const t0 = performance.now();
    const parsed = Papa.parse(small, { skipEmptyLines: 'greedy' }).data.length;
    const bare = performance.now() - t0;
    // Sampled every 5 ms, which the event loop now allows (the kernel's
    // high-water mark is PGlite's start, 1.2 GB, above anything an import does).
    const memory = rssGrowth();
    const t1 = performance.now();
    const imported = await importInto(await book('Small'), small);
    const took = performance.now() - t1;
    const grewSmall = memory.stop();
    if (imported !== lines || parsed !== lines + 1) throw new Error(`imported ${imported}, parsed ${parsed}`);

    // 2. /healthz on the idle server, then during a 50 MB import (10,000 lines of about 5 KB).
    const idle = await probeHealthz(url, new Promise((r) => setTimeout(r, 2_000)), 20);
    const big = csv(lines, Math.floor((50 * 1024 * 1024 * (opts.quick ? 0.2 : 0.98)) / lines) - 80);
    const memoryBig = rssGrowth();
    const t2 = performance.now();
    const importing = importInto(await book('Big'), big);
    const during = await probeHealthz(url, importing, 20);
    const bigTook = performance.now() - t2;
    const grewBig = memoryBig.stop();

    return [
      { bench: 'contacts-import', metric: `${lines.toLocaleString('en')}-line CSV import (HTTP, PGlite)`, value: took, unit: 'ms', baseline: bare, baselineName: 'papaparse alone' },
      { bench: 'contacts-import', metric: 'peak memory growth of the process during it (RSS)', value: grewSmall, unit: 'MB', note: `file ${(small.length / 1024 / 1024).toFixed(1)} MB; the process holds the server and PGlite` },
      {
        bench: 'contacts-import',
        metric: `/healthz p99 during a ${(Buffer.byteLength(big) / 1024 / 1024).toFixed(0)} MB import`,
        value: percentile(during.spans.map((x) => x.wall), 99),
        unit: 'ms',
        baseline: percentile(idle.spans.map((x) => x.wall), 99),
        baselineName: 'idle',
        note: `p50 ${percentile(during.spans.map((x) => x.wall), 50).toFixed(1)} ms (idle ${percentile(idle.spans.map((x) => x.wall), 50).toFixed(1)}), max ${Math.max(...during.spans.map((x) => x.wall)).toFixed(0)} ms, ${during.spans.map((x) => x.wall).length} probes; the import took ${(bigTook / 1000).toFixed(1)} s`,
      },
      {
        bench: 'contacts-import',
        metric: '/healthz p99 during it, less the garbage collector\'s pauses',
        value: percentile(during.spans.map((x) => x.besidesGc), 99),
        unit: 'ms',
        baseline: percentile(idle.spans.map((x) => x.besidesGc), 99),
        baselineName: 'idle',
        note: `max ${Math.max(...during.spans.map((x) => x.besidesGc)).toFixed(0)} ms; the longest collection during the import ${during.longestGc.toFixed(0)} ms (idle ${idle.longestGc.toFixed(0)} ms)`,
      },
      { bench: 'contacts-import', metric: 'peak memory growth of the process during the 50 MB import (RSS)', value: grewBig, unit: 'MB', note: 'counting the 49 MB of bytes this bench encodes the file into and sends from' },
    ];
  } finally {
    await server.close();
  }
}
