// Security headers on every answer, by @fastify/helmet: a Content Security
// Policy the web client, its workers and S3 playback live with; no framing
// of Parley's pages by other sites (clickjacking), except the live viewer
// where the operator allows it (LIVE_EMBED_ORIGINS); nosniff; and a referrer
// policy that keeps meeting URLs (whose path is the way in) from leaking to
// other sites in Referer.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';

const isLivePage = (url: string | undefined) => url !== undefined && /^\/live\/[a-z2-7]{26}\/?(\?|$)/.test(url);

/** What the headers depend on of the server's settings (see config.ts). */
export interface SecurityConfig {
  liveEmbedOrigins: string[];
}

export async function registerSecurityHeaders(app: FastifyInstance, config: SecurityConfig, storeOrigin: () => string): Promise<void> {
  const embed = config.liveEmbedOrigins;
  const frameAncestors = (req: IncomingMessage) => (isLivePage(req.url) && embed.length ? ["'self'", ...embed].join(' ') : "'self'");
  // The page's own host over WebSocket (Socket.IO): 'self' covers it in
  // current browsers, older ones need it said.
  const sockets = (req: IncomingMessage) => (req.headers.host && /^[A-Za-z0-9.:[\]-]+$/.test(req.headers.host) ? `ws://${req.headers.host} wss://${req.headers.host}` : '');
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Preact sets style attributes (tile positions, progress bars).
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        // Camera tiles are MediaStreams; hls.js feeds <video> from blob: URLs of Media Source buffers.
        mediaSrc: ["'self'", 'blob:', () => storeOrigin()],
        connectSrc: ["'self'", (req) => sockets(req as IncomingMessage), () => storeOrigin()],
        // The end-to-end encryption worker (a file of ours), hls.js's worker (a blob:).
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: [(req) => frameAncestors(req as IncomingMessage)],
        // Not upgrade-insecure-requests: a LAN install is reached over plain http.
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    // Parley may run beside other sites of the same domain that are not on https.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
    crossOriginEmbedderPolicy: false,
  });
  if (embed.length) {
    // X-Frame-Options knows no list of sites: left out where frame-ancestors allows some.
    app.addHook('onSend', async (request, reply) => {
      if (isLivePage(request.url)) reply.raw.removeHeader('x-frame-options');
    });
  }
}
