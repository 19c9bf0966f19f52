import type { FastifyInstance } from 'fastify';
import { LiveParams, LiveQuery, MeetingParams } from '@parley/protocol';
import type { TokenSigner } from '../auth/tokens.ts';
import type { Captures } from '../capture/Captures.ts';
import { LiveViewers } from '../capture/viewers.ts';
import { sendError } from './errors.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';


/**
 * GET /api/live/:id: a live stream's public state (no login: the id is the
 * secret). GET /api/meetings/:id/recordings: the meeting's recordings with
 * share links, for the participant token sent as Bearer (who sees which:
 * Captures.recordingsFor).
 */
export function registerCaptureRoutes(parent: FastifyInstance, deps: { captures: Captures; signer: TokenSigner }): void {
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

  app.get('/api/meetings/:id/recordings', { schema: { params: MeetingParams } }, async (req, reply) => {
    const { id } = req.params;
    const auth = req.headers.authorization;
    const claims = deps.signer.verify(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined);
    if (!claims || claims.meetingId !== id) return sendError(reply, 'UNAUTHORIZED', 'a participant token of this meeting is needed');
    return { recordings: await deps.captures.recordingsFor(id, { participantId: claims.participantId, grant: claims.grant }) };
  });
}
