// The baseline as its own process, so its CPU can be measured like Parley's:
// one mediasoup worker, one WebRtcServer, one router with Parley's codecs,
// behind JSON-over-HTTP signaling (bench/join/bare-server.ts, shared with the
// join benchmark). Prints `bare mediasoup listening: <url>` when ready.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBareServer } from '../join/bare-server.ts';

const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bare-sfu-'));
const bare = await startBareServer(empty);
console.log(`bare mediasoup listening: ${bare.url}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void bare.close().finally(() => {
      fs.rmSync(empty, { recursive: true, force: true });
      process.exit(0);
    });
  });
}
