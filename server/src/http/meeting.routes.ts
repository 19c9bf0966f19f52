import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import {
  CreateMeetingBody,
  JoinMeetingBody,
  MeetingCodeParams,
  MeetingParams,
  type CreateMeetingReply,
  type MeetingCodeReply,
  type JoinMeetingReply,
  type MeetingInfoReply,
  type NewModeratorTokenReply,
  type RtpCapabilitiesWire,
} from '@parley/protocol';
import { routerRtpCapabilities, type WorkerPool } from '@parley/sfu';
import { randomId, type TokenSigner } from '../auth/tokens.ts';
import type { Meetings } from '../meet/Meetings.ts';
import type { Limiter, RateSpec } from '../lib/limiter.ts';
import { sendError } from './errors.ts';
import { networkOf } from '../lib/client-address.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

export interface RouteDeps {
  meetings: Meetings;
  limiter: Limiter;
  pool: WorkerPool;
  signer: TokenSigner;
  metrics: Registry;
  publicUrl: () => string;
  /** What /metrics asks for as Bearer; unset: loopback clients only. */
  metricsToken?: string | undefined;
  /**
   * The signed-in account of a request (a session token as Bearer), when the
   * server has accounts: a meeting's owner joins as moderator without a token.
   */
  whoIs?: (req: FastifyRequest) => Promise<string | undefined>;
}


const DEVICE_COOKIE = 'parley_device';
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
/** Meetings created, and joins asked, per client address: 30 at once, then 2 a second. */
const MEETING_REQUESTS: RateSpec = { burst: 30, perSecond: 2 };
/**
 * Code lookups per client network (an IPv4 address, an IPv6 /64: one
 * subscriber's whole range): 10 at once, then one every 6 seconds; and for
 * the whole server, 20 a second (many networks guessing together are slowed
 * as one). With a billion codes, 20 tries a second find one of a thousand
 * live meetings about once every 14 hours, and then only its link: the
 * waiting room and the password still hold.
 */
const CODE_TRIES: RateSpec = { burst: 10, perSecond: 1 / 6 };
const CODE_TRIES_ALL: RateSpec = { burst: 200, perSecond: 20 };

/** The device cookie's value, when it has the shape we issue (26 base32 characters). */
export function deviceCookie(header: string | undefined): string | undefined {
  const m = header ? new RegExp(`(?:^|;\\s*)${DEVICE_COOKIE}=([a-z2-7]{26})(?:;|$)`).exec(header) : null;
  return m?.[1];
}

export function registerMeetingRoutes(parent: FastifyInstance, deps: RouteDeps): void {
  // Routes typed from their schemas: params, bodies and queries need no casts.
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { meetings, signer } = deps;

  // Per client address (through the trusted proxies only), in buckets no flood of other addresses pushes out.
  const limited = async (what: string, ip: string) => !(await deps.limiter.take(`${what}:${ip}`, MEETING_REQUESTS));

  app.get('/healthz', async () => ({
    ok: true,
    status: 'ok',
    workers: deps.pool.workers.length,
    meetings: [...meetings.all].length,
    uptimeSeconds: Math.round(process.uptime()),
  }));

  app.get('/metrics', async (req, reply) => {
    // Counts of meetings and people are no one else's business: a token, or this machine.
    if (deps.metricsToken !== undefined ? req.headers.authorization !== `Bearer ${deps.metricsToken}` : !LOOPBACK.has(req.ip)) {
      return sendError(reply, 'UNAUTHORIZED', deps.metricsToken !== undefined ? 'send METRICS_TOKEN as a Bearer token' : 'metrics are served to this machine only (set METRICS_TOKEN to scrape them from elsewhere)');
    }
    reply.type(deps.metrics.contentType);
    return deps.metrics.metrics();
  });

  app.post(
    '/api/meetings',
    {
      // The body is optional: no body means no title.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: { body: CreateMeetingBody },
    },
    async (req, reply) => {
      if (await limited('meeting-create', req.ip)) return sendError(reply, 'RATE_LIMITED', 'too many meetings created, slow down');
      const body = req.body;
      const ownerId = await deps.whoIs?.(req);
      const { record, moderatorToken } = await meetings.create(body.title, {
        waitingRoom: body.waitingRoom,
        ...(body.password !== undefined ? { password: body.password } : {}),
        ...(ownerId ? { ownerId } : {}),
      });
      const out: CreateMeetingReply = {
        id: record.id,
        url: `${deps.publicUrl()}/m/${record.id}`,
        moderatorToken,
        code: record.code!,
      };
      return reply.code(201).send(out);
    },
  );

  app.get('/api/meetings/:id', { schema: { params: MeetingParams } }, async (req, reply) => {
    const { id } = req.params;
    const record = await meetings.record(id);
    if (!record) return sendError(reply, 'MEETING_NOT_FOUND', 'no such meeting (it may have expired)');
    const out: MeetingInfoReply = {
      id: record.id,
      title: record.title,
      participants: meetings.live(id)?.size ?? 0,
      createdAt: record.createdAt,
      code: await meetings.codeFor(record),
      routerRtpCapabilities: routerRtpCapabilities() as RtpCapabilitiesWire,
    };
    return out;
  });

  // Every try counts, found or not: the limit is what keeps codes from being guessed.
  app.get('/api/meeting-codes/:code', { schema: { params: MeetingCodeParams } }, async (req, reply) => {
    if (!(await deps.limiter.take(`meeting-code:${networkOf(req.ip)}`, CODE_TRIES)) || !(await deps.limiter.take('meeting-code:*', CODE_TRIES_ALL))) {
      return sendError(reply, 'RATE_LIMITED', 'too many codes tried, wait a minute');
    }
    const id = await meetings.byCode(req.params.code);
    if (!id || !(await meetings.record(id))) return sendError(reply, 'MEETING_NOT_FOUND', 'no meeting has this code (it may have expired)');
    const out: MeetingCodeReply = { id };
    return out;
  });

  app.post('/api/meetings/:id/join', { schema: { params: MeetingParams, body: JoinMeetingBody } }, async (req, reply) => {
    if (await limited('meeting-join', req.ip)) return sendError(reply, 'RATE_LIMITED', 'too many join attempts, slow down');
    const { id } = req.params;
    const body = req.body;
    // A signed-in person (Bearer session) may be the meeting's owner or a named moderator.
    const userId = body.moderatorToken === undefined ? await deps.whoIs?.(req) : undefined;
    const { record, participantId, name, grant, moderatorBy } = await meetings.admission(id, {
      name: body.name,
      ...(body.moderatorToken !== undefined ? { moderatorToken: body.moderatorToken } : {}),
      ...(userId ? { userId } : {}),
    });
    // A long-lived, random, HttpOnly cookie names this browser (no account
    // needed): a kicked person who asks for a new link still has to knock.
    const device = deviceCookie(req.headers.cookie) ?? randomId(16);
    // Secure behind https (the trusted proxy says so), so the cookie never travels in clear.
    const secure = req.protocol === 'https' || deps.publicUrl().startsWith('https:') ? '; Secure' : '';
    reply.header('set-cookie', `${DEVICE_COOKIE}=${device}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000${secure}`);
    const out: JoinMeetingReply = {
      participantId,
      token: signer.sign({ meetingId: id, participantId, name, moderator: grant !== undefined, device, ...(grant ? { grant } : {}) }),
      title: record.title,
      moderatorBy,
    };
    return out;
  });

  /**
   * A new moderator link, asked by a moderator by right (link or account):
   * the old link stops working, for new joins and for moderators by it who
   * join again. The caller's own token comes back under the new link.
   */
  app.post('/api/meetings/:id/moderator-token', { schema: { params: MeetingParams } }, async (req, reply) => {
    const { id } = req.params;
    const auth = req.headers.authorization;
    const claims = signer.verify(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined);
    if (!claims || claims.meetingId !== id) return sendError(reply, 'UNAUTHORIZED', 'a participant token of this meeting is needed');
    if (!(await meetings.grantHolds(id, claims.grant))) return sendError(reply, 'NOT_MODERATOR', 'only a moderator by the moderator link or the organizer’s account can make a new moderator link');
    const moderatorToken = await meetings.newModeratorToken(id);
    const record = await meetings.record(id);
    const grant = record ? await meetings.grantFor(record, { moderatorToken }) : undefined;
    const { exp: _exp, ...rest } = claims;
    const out: NewModeratorTokenReply = {
      moderatorToken,
      url: `${deps.publicUrl()}/m/${id}?moderatorToken=${encodeURIComponent(moderatorToken)}`,
      // An account's grant stays its own; a link's moves to the new link.
      token: signer.sign({ ...rest, moderator: true, ...(claims.grant?.startsWith('u:') ? {} : grant ? { grant } : {}) }),
    };
    return out;
  });
}
