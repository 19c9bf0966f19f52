import fs from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { LIMITS } from '@parley/protocol';
import { WorkerPool } from '@parley/sfu';
import { RecorderTokens, TokenSigner } from './auth/tokens.ts';
import { Captures } from './capture/Captures.ts';
import { bullQueue } from './capture/queue.ts';
import { registerCaptureRoutes } from './http/capture.routes.ts';
import type { ServerConfig } from './config.ts';
import { createDrive, type Drive } from './drive/index.ts';
import { LocalDrive } from './drive/LocalDrive.ts';
import { createGateway } from './gateway/index.ts';
import type { ParleyServer } from './gateway/context.ts';
import { installErrorHandler, sendError } from './http/errors.ts';
import { registerDriveRoute } from './http/drive.routes.ts';
import { registerRoutes } from './http/routes.ts';
import { Meetings } from './meet/Meetings.ts';
import { compileCheck } from './gateway/validate.ts';
import type { TSchema } from 'typebox';
import { createMetrics } from './metrics.ts';
import { connectRedis } from './redis.ts';
import { MemoryMeetingStore, RedisMeetingStore, type MeetingStore } from './store/meetings.ts';
import type { MeetingOptions } from './meet/Meeting.ts';

export interface Parley {
  app: FastifyInstance;
  io: ParleyServer;
  meetings: Meetings;
  pool: WorkerPool;
  /** Recordings and live streams (local folder or S3). */
  drive: Drive;
  captures: Captures;
  log: Logger;
  /** Where the HTTP server actually listens (port resolved when PORT=0). */
  url: string;
  close(): Promise<void>;
}

export interface ParleyOptions {
  logger?: Logger;
  meeting?: Partial<MeetingOptions>;
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    // Tokens identify people: never write them to logs.
    redact: { paths: ['token', '*.token', 'moderatorToken', '*.moderatorToken', 'req.headers.authorization', 'auth.token'], censor: '[redacted]' },
  });
}

/** Wires everything (workers, stores, HTTP, Socket.IO) and starts listening. */
export async function createParley(config: ServerConfig, opts: ParleyOptions = {}): Promise<Parley> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        log.warn({ err: error }, 'shutdown step failed');
      }
    }
    cleanups.length = 0;
  };

  try {
    const ttlMs = config.meetingTtlDays * 24 * 3600_000;
    let store: MeetingStore;
    let redis: { pub: Redis; sub: Redis } | undefined;
    if (config.redisUrl) {
      const pub = connectRedis(config.redisUrl, 'pub');
      const sub = connectRedis(config.redisUrl, 'sub');
      cleanups.push(() => void pub.disconnect(), () => void sub.disconnect());
      await Promise.all([pub.connect(), sub.connect()]);
      redis = { pub, sub };
      store = new RedisMeetingStore(pub, ttlMs);
    } else {
      store = new MemoryMeetingStore(ttlMs);
    }

    const pool = await WorkerPool.create(config.sfu, log.child({ module: 'sfu' }));
    cleanups.push(() => pool.close());
    const meetings = new Meetings(store, pool, config.sfu, log.child({ module: 'meet' }), opts.meeting);
    cleanups.push(() => meetings.close());

    const app = Fastify({
      loggerInstance: log.child({ module: 'http' }) as FastifyBaseLogger,
      // Per-request logs would drown the meeting logs; errors are still logged.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: LIMITS.httpBodyBytes,
      trustProxy: config.trustProxy,
    });
    cleanups.push(() => app.close());
    installErrorHandler(app);
    // One validator for the whole edge: HTTP bodies are checked by the same
    // compiled TypeBox checks as socket payloads (strict: no type coercion, no
    // silently dropped properties, unlike fastify's default ajv setup).
    app.setValidatorCompiler(({ schema, httpPart }) => {
      const check = compileCheck(schema as TSchema);
      return (data: unknown) => {
        const problem = check(data);
        return problem === undefined ? { value: data } : { error: new Error(`${httpPart ?? 'input'}${problem.startsWith('/') ? '' : ': '}${problem}`) };
      };
    });

    const signer = new TokenSigner(config.secret);
    let url = '';
    const drive = createDrive(config.drive, config.secret, () => config.publicUrl ?? url);
    cleanups.push(() => drive.close?.());
    // Share links of the local drive point here; an S3 drive's are presigned
    // URLs of the store itself and never reach this server.
    if (drive instanceof LocalDrive) registerDriveRoute(app, drive);
    const queue = config.redisUrl ? bullQueue(config.redisUrl, config.capture.queueName) : undefined;
    if (queue) cleanups.push(() => queue.close());
    const captures = new Captures(
      { queue, tokens: new RecorderTokens(config.secret), drive, meetings, log: log.child({ module: 'capture' }) },
      {
        streamMaxMs: config.capture.streamMaxSeconds * 1000,
        recordingMaxMs: config.capture.recordingMaxSeconds * 1000,
        serverUrl: () => config.capture.serverUrl ?? url,
        publicUrl: () => config.publicUrl ?? url,
      },
    );
    cleanups.push(() => captures.close());
    registerCaptureRoutes(app, { meetings, captures, drive, signer });
    registerRoutes(app, {
      meetings,
      pool,
      signer,
      metrics: createMetrics(meetings, pool),
      publicUrl: () => config.publicUrl ?? url,
    });

    const webRoot = config.webDist && fs.existsSync(path.join(config.webDist, 'index.html')) ? config.webDist : undefined;
    if (webRoot) {
      await app.register(fastifyStatic, { root: webRoot, wildcard: false, index: false });
      app.get('/', (_req, reply) => reply.sendFile('index.html'));
    }
    // The web client routes by path (/m/<id>, /live/<id>): unknown non-API GETs get the app.
    app.setNotFoundHandler((req, reply) => {
      if (webRoot && req.method === 'GET' && !req.url.startsWith('/api/')) return reply.sendFile('index.html');
      return sendError(reply, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    });

    const io = createGateway(app.server, {
      meetings,
      signer,
      captures,
      recorderTokens: new RecorderTokens(config.secret),
      log: log.child({ module: 'gateway' }),
    });
    if (redis) io.adapter(createAdapter(redis.pub, redis.sub));
    cleanups.push(async () => {
      io.emit('meeting:ended', { reason: 'server-shutdown' });
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    });

    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
    return { app, io, meetings, pool, drive, captures, log, url, close };
  } catch (error) {
    await close();
    throw error;
  }
}
