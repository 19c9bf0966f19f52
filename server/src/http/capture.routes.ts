import type { FastifyInstance } from 'fastify';
import { LiveParams, LiveQuery, MeetingParams, RecordingLinkBody, RecordingParams, RenameRecordingBody, type MeetingId } from '@parley/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenSigner } from '../auth/tokens.ts';
import type { Captures, RecordingsCaller } from '../capture/Captures.ts';
import { LiveViewers } from '../capture/viewers.ts';
import { sendError } from './errors.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';


/**
 * GET /api/live/:id: a live stream's public state (no login: the id is the
 * secret). GET /api/meetings/:id/recordings: the meeting's recordings with
 * share links, for the participant token sent as Bearer (who sees which:
 * Captures.recordingsFor).
 */
export function registerCaptureRoutes(
  parent: FastifyInstance,
  deps: { captures: Captures; signer: TokenSigner; whoIs?: ((req: FastifyRequest) => Promise<string | undefined>) | undefined },
): void {
  // Routes typed from their schemas: params, bodies and queries need no casts.
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const viewers = new LiveViewers();
  app.get('/api/live/:id', { schema: { params: LiveParams, querystring: LiveQuery } }, async (req, reply) => {
    const { id } = req.params;
    const status = await deps.captures.liveStatus(id);
    // Unknown and never-existing ids look alike: nothing to enumerate.
    if (!status) return sendError(reply, 'NOT_FOUND', 'no such live stream');
    reply.header('cache-control', 'no-cache');
    if (status.state === 'live') status.viewers = req.query.viewer ? viewers.seen(id, req.query.viewer, req.ip) : viewers.count(id);
    return status;
  });

  // Who asks, checked before any body is read: a participant token of this
  // meeting, or (the library outside the meeting) a signed-in account, which
  // must own or co-moderate the meeting (checked by Captures).
  const callers = new WeakMap<FastifyRequest, RecordingsCaller>();
  const caller = async (req: FastifyRequest, reply: FastifyReply) => {
    const id = (req.params as { id?: string }).id;
    const auth = req.headers.authorization;
    const claims = deps.signer.verify(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined);
    if (claims && claims.meetingId === id) {
      callers.set(req, { participantId: claims.participantId, grant: claims.grant });
      return;
    }
    const userId = claims ? undefined : await deps.whoIs?.(req);
    if (!userId) return sendError(reply, 'UNAUTHORIZED', 'a participant token of this meeting, or the signed-in organizer, is needed');
    callers.set(req, { grant: `u:${userId}` });
  };
  const who = (req: FastifyRequest) => callers.get(req)!;

  app.get('/api/meetings/:id/recordings', { onRequest: caller, schema: { params: MeetingParams } }, async (req) => ({
    recordings: await deps.captures.recordingsFor(req.params.id, who(req)),
  }));
  app.patch('/api/meetings/:id/recordings/:recordingId', { onRequest: caller, schema: { params: RecordingParams, body: RenameRecordingBody } }, async (req) => ({
    title: await deps.captures.renameRecording(req.params.id as MeetingId, req.params.recordingId, who(req), req.body.title),
  }));
  app.delete('/api/meetings/:id/recordings/:recordingId', { onRequest: caller, schema: { params: RecordingParams } }, async (req) => {
    await deps.captures.deleteRecording(req.params.id as MeetingId, req.params.recordingId, who(req));
    return {};
  });
  app.post('/api/meetings/:id/recordings/:recordingId/link', { onRequest: caller, schema: { params: RecordingParams, body: RecordingLinkBody } }, async (req) =>
    deps.captures.recordingLink(req.params.id as MeetingId, req.params.recordingId, who(req), req.body.expiresIn),
  );
}
