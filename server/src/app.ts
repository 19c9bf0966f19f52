import fs from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { LIMITS } from '@parley/protocol';
import { WorkerPool } from '@parley/sfu';
import { RecorderTokens, TokenSigner } from './auth/tokens.ts';
import { Captures } from './capture/Captures.ts';
import { bullQueue } from './capture/queue.ts';
import { registerCaptureRoutes } from './http/capture.routes.ts';
import type { ServerConfig } from './config.ts';
import { connectRedis, createDrive, createLogger, type Drive, LocalDrive } from '@parley/platform';
import { createGateway } from './gateway/index.ts';
import type { ParleyServer } from './gateway/context.ts';
import { installErrorHandler, sendError } from './http/errors.ts';
import { registerDriveRoute } from './http/drive.routes.ts';
import { registerMeetingRoutes } from './http/meeting.routes.ts';
import { Meetings } from './meet/Meetings.ts';
import { compileCheck } from './gateway/validate.ts';
import type { TSchema } from 'typebox';
import { createMetrics } from './metrics.ts';
import { trustProxies, type TrustProxy } from './lib/client-address.ts';
import { linkBase, originOf, requestOrigin } from './lib/origin.ts';
import { MemoryLimiter, RedisLimiter, type Limiter } from './lib/limiter.ts';
import { registerSecurityHeaders } from './http/security.ts';
import { PeerWatch, peerAwareAdapter } from './gateway/peer-adapter.ts';
import { MemoryMeetingStore, RedisMeetingStore, type MeetingStore } from './store/meetings.ts';
import type { MeetingOptions } from './meet/Meeting.ts';
import { Accounts } from './accounts/Accounts.ts';
import { AccountStore } from './accounts/store.ts';
import { Chat } from './chat/Chat.ts';
import { ChatStore } from './chat/store.ts';
import { Orgs } from './org/Orgs.ts';
import { OrgStore } from './org/store.ts';
import { openDb, type Db } from './store/db.ts';
import { migrate } from './store/migrate.ts';
import { registerAccountRoutes } from './http/account.routes.ts';
import { registerChatRoutes } from './http/chat.routes.ts';
import { registerContactRoutes } from './http/contacts.routes.ts';
import { registerChangeRoutes } from './http/changes.routes.ts';
import { registerDavRoutes } from './http/dav/dav.routes.ts';
import { registerContactImportRoutes } from './http/contacts-import.routes.ts';
import { registerContactPhotoRoutes } from './http/contacts-photo.routes.ts';
import { CalendarSync } from './suite/calendar/sync.ts';
import { Directory } from './org/Directory.ts';
import { Contacts } from './suite/contacts/Contacts.ts';
import { ContactStore } from './suite/contacts/store.ts';
import { Changes } from './suite/live/Changes.ts';
import { ChangeStore } from './suite/live/store.ts';
import { registerOrgRoutes } from './http/org.routes.ts';
import type { SuiteRouteDeps } from './http/session.ts';
import { registerCalendarRoutes } from './http/calendar.routes.ts';
import { Calendar } from './suite/calendar/Calendar.ts';
import { eventMeetingOrigins } from './suite/calendar/meetings.ts';
import { CalendarStore } from './suite/calendar/store.ts';
import { Agenda } from './suite/calendar/Agenda.ts';
import { AgendaStore } from './suite/calendar/agenda-store.ts';
import { startAgendaTicks } from './suite/calendar/agenda-queue.ts';
import { MailSender } from './suite/mail/MailSender.ts';
import { createChatGateway, signOutSessions, type ChatNamespace } from './gateway/chat-namespace.ts';
import type { MeetingId } from '@parley/protocol';
import { botQueue as openBotQueue, type BotQueue } from './org/bot-queue.ts';
import { WelcomeOutbox } from './org/welcome-outbox.ts';
import type { Meeting } from './meet/Meeting.ts';

export interface Parley {
  app: FastifyInstance;
  io: ParleyServer;
  meetings: Meetings;
  pool: WorkerPool;
  /** Recordings and live streams (local folder or S3). */
  drive: Drive;
  captures: Captures;
  /** Accounts and team chat (undefined when the database is off). */
  chat: ChatStack | undefined;
  log: Logger;
  /** Where the HTTP server actually listens (port resolved when PORT=0). */
  url: string;
  close(): Promise<void>;
}

/** The database and the domain services on it. */
interface ChatParts {
  db: Db;
  accounts: Accounts;
  chat: Chat;
  orgs: Orgs;
  orgStore: OrgStore;
  calendar: Calendar;
  /** The calendars as devices sync them (CalDAV). */
  calendarSync: CalendarSync;
  directory: Directory;
  agenda: Agenda;
  contacts: Contacts;
  /** Which calendars and address books changed, told to the open pages of those who see them. */
  changes: Changes;
  limiter: Limiter;
}

export interface ChatStack {
  db: Db;
  accounts: Accounts;
  orgs: Orgs;
  chat: Chat;
  calendar: Calendar;
  agenda: Agenda;
  nsp: ChatNamespace;
  /** The bots' BullMQ queue (needs Redis): Euria's welcomes and agendas. */
  botQueue: BotQueue | undefined;
  botQueueName: string;
  agendaQueueName: string;
}

export interface ParleyOptions {
  logger?: Logger;
  meeting?: Partial<MeetingOptions>;
}

/** The token of an `Authorization: Bearer <token>` header. */
const bearer = (header: string | undefined): string | undefined => (header?.startsWith('Bearer ') ? header.slice(7) : undefined);


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
    // Rate limits every node shares, and that no flood of keys can push out (Redis); else this node's memory.
    const limiter: Limiter = redis ? new RedisLimiter(redis.pub) : new MemoryLimiter();
    cleanups.push(() => limiter.close());

    const pool = await WorkerPool.create(config.sfu, log.child({ module: 'sfu' }));
    cleanups.push(() => pool.close());
    // The database (when configured) comes before the meetings: a calendar's events answer for the meetings they made.
    const db = config.database ? await openDb(config.database) : undefined;
    if (db) {
      cleanups.push(() => db.close());
      await migrate(db);
    }
    const calendarStore = db && new CalendarStore(db);
    const meetings = new Meetings(store, pool, config.sfu, log.child({ module: 'meet' }), opts.meeting, calendarStore ? eventMeetingOrigins(calendarStore) : {});
    cleanups.push(() => meetings.close());

    const trust = trustProxies(config.trustProxy);
    let storeOrigin = '';
    const app = Fastify({
      loggerInstance: log.child({ module: 'http' }) as FastifyBaseLogger,
      // Per-request logs would drown the meeting logs; errors are still logged.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: LIMITS.httpBodyBytes,
      trustProxy: trust,
    });
    cleanups.push(() => app.close());
    installErrorHandler(app);
    // The handler runs knowing the origin its request came on (links are built on it). Set just
    // before the handler: a context entered earlier is lost when the body arrives in later packets.
    app.addHook('preHandler', (request, _reply, done) => requestOrigin.run(originOf(request.raw, trust), done));
    await registerSecurityHeaders(app, config, () => storeOrigin);
    // Answered before its body was read (no session, too large): the rest of
    // the body must not be taken for the next request on this connection.
    app.addHook('onSend', async (request, reply) => {
      if (!request.raw.complete) reply.header('connection', 'close');
    });
    // A NUL in the address (%00) never names anything here; refused before any
    // route, whether or not it validates its parameters.
    app.addHook('onRequest', async (request, reply) => {
      if (/%00/i.test(request.url)) return sendError(reply, 'INVALID_PAYLOAD', 'the address contains a NUL character');
    });
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
    // The base of the links the server makes: PUBLIC_URL, else the address the request came on.
    const links = linkBase(config.publicUrl, () => url);
    // Links in e-mails sent on anyone's request (a password reset) never take the request's Host:
    // whoever asks could otherwise send the owner a link to their own site.
    const fixedUrl = () => config.publicUrl ?? url;
    const drive = createDrive(config.drive, config.secret, links);
    cleanups.push(() => drive.close?.());
    // Live streams and recordings on S3 play from the store itself: pages may fetch from its origin.
    if (drive.kind === 's3') storeOrigin = new URL(await drive.shareUrl('csp-probe', 60)).origin;
    // The bots' queue (Euria's welcomes and agendas) runs on Redis.
    const botQueue = db && config.redisUrl ? openBotQueue(config.redisUrl, config.bots.queueName) : undefined;
    if (botQueue) cleanups.push(() => botQueue.close());
    // The database and its domain services; the routes come with them.
    let chatParts: ChatParts | undefined;
    let chatNsp: ChatNamespace | undefined;
    if (db && calendarStore) {
      const accounts = new Accounts(new AccountStore(db), { limiter, limits: config.accountLimits });
      const euria = await accounts.ensureBot('euria', 'Euria', config.bots.euriaToken);
      const chat = new Chat(new ChatStore(db), {
        calls: {
          create: async (title, ownerId, orgId) => {
            const { record, moderatorToken } = await meetings.create(title, { ownerId, orgId });
            return { meetingId: record.id, url: `${links()}/m/${record.id}`, moderatorToken };
          },
        },
        // A deleted message's attachments leave the drive too (earlier share links then find nothing).
        files: {
          remove: async (keys) => {
            for (const key of keys) await drive.delete(key).catch((error: unknown) => log.error({ err: error, key }, 'attachment of a deleted message not removed from the drive'));
          },
        },
      });
      chat.onListenerError = (error, event) => log.error({ err: error, event }, 'chat listener failed');
      const orgStore = new OrgStore(db);
      const orgs = new Orgs(orgStore, chat, { botIds: [euria.id] });
      orgs.onListenerError = (error, event) => log.error({ err: error, event }, 'orgs listener failed');
      await orgs.addBots();
      // A calendar meeting belongs to its event's organizer: they (and whom
      // they name) enter as moderators by their account, so its moderator
      // token is random like any other and never handed out.
      const calendar = new Calendar(calendarStore, {
        meetings: {
          create: async (title, ownerId, orgId) => {
            const { record } = await meetings.create(title, { ownerId, orgId });
            return { meetingId: record.id, url: `${links()}/m/${record.id}` };
          },
        },
        // Mailed: on the fixed address, never a request's Host.
        rsvpLink: (token) => `${fixedUrl()}/calendar/rsvp/${token}`,
        // Invitations mailed on a member's word: 300 at once, then one every 10 s, per person.
        mayMail: (userId, count) => limiter.take(`event-invite:${userId}`, { burst: 300, perSecond: 1 / 10 }, count),
      });
      const agenda = new Agenda({ store: new AgendaStore(db), calendar, secret: config.secret, publicUrl: links, bots: botQueue });
      const changes = new Changes(new ChangeStore(db), log.child({ module: 'changes' }));
      await changes.start();
      // Before the database closes (cleanups run last first): listening stops (the streams ended with the sockets).
      cleanups.push(() => changes.close());
      const contacts = new Contacts(new ContactStore(db));
      // Address books are shared with colleagues only: one who leaves an organization, or becomes a guest there, loses what that gave.
      const colleaguesChanged = (uid: string) => void contacts.colleaguesChanged(uid).catch((error: unknown) => log.error({ err: error, user: uid }, 'address book shares not pruned'));
      orgs.on('memberRemoved', (_orgId, uid) => colleaguesChanged(uid));
      orgs.on('roleChanged', (_orgId, uid, role) => role === 'external' && colleaguesChanged(uid));
      chatParts = { db, accounts, chat, orgs, orgStore, calendar, calendarSync: new CalendarSync(calendarStore, calendar), directory: new Directory(orgStore), agenda, contacts, changes, limiter };
    }
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
        publicUrl: links,
        // The seeds: live streaming is not part of the free and standard plans.
        streamingAllowed: async (orgId) => {
          if (!orgId || !calendarStore) return config.capture.streaming;
          const plan = await calendarStore.plan(orgId);
          return plan === 'business' || plan === 'enterprise';
        },
      },
    );
    cleanups.push(() => captures.close());
    registerCaptureRoutes(app, { captures, signer, whoIs: chatParts ? async (req) => (await chatParts.accounts.authenticate(bearer(req.headers.authorization)))?.user.id : undefined });
    const accounts = chatParts?.accounts;
    registerMeetingRoutes(app, {
      meetings,
      limiter,
      pool,
      signer,
      metrics: createMetrics(meetings, pool, chatParts?.chat.messages),
      publicUrl: links,
      metricsToken: config.metricsToken,
      ...(accounts ? { whoIs: async (req) => (await accounts.authenticate(bearer(req.headers.authorization)))?.user.id } : {}),
    });

    if (chatParts) {
      const suite: SuiteRouteDeps = {
        ...chatParts,
        drive,
        publicUrl: links,
        fixedUrl,
        signedOut: (ids, reason) => {
          chatParts.changes.endSessions(ids);
          if (chatNsp) signOutSessions(chatNsp, ids, reason);
        },
      };
      registerAccountRoutes(app, suite);
      registerOrgRoutes(app, suite);
      registerChatRoutes(app, suite);
      registerCalendarRoutes(app, chatParts);
      registerContactRoutes(app, chatParts);
      registerContactImportRoutes(app, chatParts);
      registerContactPhotoRoutes(app, chatParts);
      registerDavRoutes(app, chatParts);
      registerChangeRoutes(app, chatParts);
    }

    const webRoot = config.webDist && fs.existsSync(path.join(config.webDist, 'index.html')) ? config.webDist : undefined;
    if (webRoot) {
      await app.register(fastifyStatic, {
        root: webRoot,
        wildcard: false,
        index: false,
        // The build writes brotli and gzip copies (web/vite.config.ts): the smallest accepted one is sent.
        preCompressed: true,
        // Hashed file names never change content: kept a year. The page itself is asked again every time.
        cacheControl: false,
        setHeaders: (res, file) => {
          res.header('cache-control', /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      });
      app.get('/', (_req, reply) => reply.sendFile('index.html'));
    }
    // The web client routes by path (/m/<id>, /live/<id>): unknown non-API GETs get the app.
    app.setNotFoundHandler((req, reply) => {
      if (webRoot && req.method === 'GET' && !req.url.startsWith('/api/')) return reply.sendFile('index.html');
      return sendError(reply, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    });

    const io = createGateway(app.server, {
      meetings,
      trust,
      signer,
      captures,
      recorderTokens: new RecorderTokens(config.secret),
      log: log.child({ module: 'gateway' }),
    });
    if (redis) {
      // Before listening: a node that joins others takes no socket before they know it is there.
      const peers = new PeerWatch(redis.pub, redis.sub, { cluster: config.clusterName });
      await peers.start();
      cleanups.push(() => peers.stop());
      io.adapter(peerAwareAdapter(redis.pub, redis.sub, peers, config.clusterName));
    }
    const chatStack = chatParts ? await wireChat(chatParts, io, meetings, botQueue, config, trust, log, cleanups) : undefined;
    chatNsp = chatStack?.nsp;
    cleanups.push(async () => {
      // Pages following live changes end first: io.close waits for every connection.
      chatParts?.changes.endStreams();
      // This node's sockets only: through the adapter these would reach,
      // and disconnect, every participant of the cluster.
      io.local.emit('meeting:ended', { reason: 'server-shutdown', by: null });
      io.local.disconnectSockets(true);
      // io.close closes the HTTP server too, and waits for its connections:
      // one that never sent a request is not idle to Node and would hold it
      // until its headers time out (60 s). In-flight requests get a short
      // grace, then every connection is cut.
      const grace = setTimeout(() => app.server.closeAllConnections(), 2000);
      try {
        await new Promise<void>((resolve) => io.close(() => resolve()));
      } finally {
        clearTimeout(grace);
      }
    });

    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
    if (!config.publicUrl) {
      log.warn(
        { fallback: url },
        'PUBLIC_URL is not set: links are built on the address each request came on, and links in mail sent without one (password resets, agendas) use the listening address. Set PUBLIC_URL for production.',
      );
    }
    return { app, io, meetings, pool, drive, captures, chat: chatStack, log, url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Team chat's live parts: the /chat namespace, the agendas' minute tick and
 * mail, the welcome outbox's sweeps, and call cards that follow their meetings.
 */
async function wireChat(
  parts: ChatParts,
  io: ParleyServer,
  meetings: Meetings,
  botQueue: BotQueue | undefined,
  config: ServerConfig,
  trust: TrustProxy,
  log: Logger,
  cleanups: (() => Promise<void> | void)[],
): Promise<ChatStack> {
  const { accounts, chat, orgs, limiter } = parts;
  const nsp = createChatGateway(io, { accounts, orgs, chat, limiter, trust, log: log.child({ ns: 'chat' }), atClose: (fn) => cleanups.push(fn) });
  if (!botQueue) log.warn(`no REDIS_URL: Euria will not welcome new members nor send agendas${config.mail.smtpUrl ? ', and no mail is sent' : ''} (bots and the minute clock run on BullMQ queues)`);
  if (config.redisUrl) {
    const mail = config.mail.smtpUrl ? new MailSender({ db: parts.db, smtpUrl: config.mail.smtpUrl, from: config.mail.from }) : undefined;
    const ticks = await startAgendaTicks({ redisUrl: config.redisUrl, queueName: config.bots.agendaQueueName, agenda: parts.agenda, mail, log: log.child({ module: 'agenda' }) });
    cleanups.push(async () => {
      await ticks.close();
      mail?.close();
    });
  }
  if (botQueue) {
    // Welcomes come from rows written with the membership: swept to the queue now, and again until it takes them.
    const welcomes = new WelcomeOutbox({ store: parts.orgStore, queue: botQueue, log: log.child({ module: 'welcome' }) });
    welcomes.start();
    cleanups.push(() => welcomes.close());
    orgs.on('memberAdded', () => welcomes.poke());
  }

  // Call cards show the live participant count (at most every 500 ms) and
  // close with the meeting. Only meetings started from a channel are
  // followed: the others cost no query per join and leave.
  const follow = async (meeting: Meeting) => {
    if (!(await chat.calls.has(meeting.id))) return;
    if (meeting.closed) return chat.calls.update(meeting.id, { ended: true });
    let timer: NodeJS.Timeout | undefined;
    const update = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        if (!meeting.closed) chat.calls.update(meeting.id, { participants: meeting.size }).catch((error: unknown) => log.warn({ err: error }, 'call card update failed'));
      }, 500);
    };
    meeting.on('participantJoined', update);
    meeting.on('participantLeft', update);
    meeting.on('closed', () => {
      clearTimeout(timer);
      chat.calls.update(meeting.id as MeetingId, { ended: true }).catch((error: unknown) => log.warn({ err: error }, 'call card end failed'));
    });
    // The first joiner came in while we looked.
    if (meeting.size > 0) update();
  };
  meetings.on('opened', (meeting) => void follow(meeting).catch((error: unknown) => log.warn({ err: error }, 'call card follow failed')));
  return { db: parts.db, accounts, orgs, chat, calendar: parts.calendar, agenda: parts.agenda, nsp, botQueue, botQueueName: config.bots.queueName, agendaQueueName: config.bots.agendaQueueName };
}
