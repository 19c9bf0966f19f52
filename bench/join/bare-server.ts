// Baseline for the join benchmark: one mediasoup worker and router (same
// codecs, same WebRtcServer setup as Parley) behind the thinnest signaling
// there is, JSON over HTTP POST. No tokens, rooms, validation or state
// beyond what mediasoup needs: whatever Parley adds on top is the overhead.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { MEDIA_CODECS } from '@parley/sfu';

export interface BareServer {
  url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

export async function startBareServer(staticDir: string): Promise<BareServer> {
  const worker = await mediasoup.createWorker({ logLevel: 'warn' });
  const webRtcServer = await worker.createWebRtcServer({
    listenInfos: [
      { protocol: 'udp', ip: '127.0.0.1' },
      { protocol: 'tcp', ip: '127.0.0.1' },
    ],
  });
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  const transports = new Map<string, types.WebRtcTransport>();
  const consumers = new Map<string, types.Consumer>();
  let video: types.Producer | undefined;

  const handlers: Record<string, (b: Record<string, unknown>) => Promise<unknown>> = {
    caps: async () => router.rtpCapabilities,
    createTransport: async () => {
      const t = await router.createWebRtcTransport({ webRtcServer, enableUdp: true, enableTcp: true, preferUdp: true, initialAvailableOutgoingBitrate: 1_000_000 });
      transports.set(t.id, t);
      return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
    },
    connect: async (b) => {
      await transports.get(b.transportId as string)!.connect({ dtlsParameters: b.dtlsParameters as types.DtlsParameters });
      return {};
    },
    produce: async (b) => {
      const p = await transports.get(b.transportId as string)!.produce({ kind: b.kind as types.MediaKind, rtpParameters: b.rtpParameters as types.RtpParameters });
      if (p.kind === 'video') video = p;
      return { id: p.id };
    },
    consume: async (b) => {
      if (!video) throw new Error('nothing published');
      const c = await transports.get(b.transportId as string)!.consume({
        producerId: video.id,
        rtpCapabilities: b.rtpCapabilities as types.RtpCapabilities,
        paused: true,
        preferredLayers: { spatialLayer: 1 },
      });
      consumers.set(c.id, c);
      return { id: c.id, producerId: c.producerId, kind: c.kind, rtpParameters: c.rtpParameters };
    },
    resume: async (b) => {
      await consumers.get(b.consumerId as string)!.resume();
      return {};
    },
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname.startsWith('/rpc/')) {
      const handler = handlers[url.pathname.slice(5)];
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (!handler) return void res.writeHead(404).end();
        handler(JSON.parse(body || '{}') as Record<string, unknown>).then(
          (out) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out)),
          (error: unknown) => res.writeHead(500).end(String(error)),
        );
      });
      return;
    }
    const file = path.join(staticDir, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
    if (!file.startsWith(staticDir) || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      worker.close();
    },
  };
}
