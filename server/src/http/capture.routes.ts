import type { FastifyInstance } from 'fastify';
import { LiveParams, MeetingParams, type RecordingInfo } from '@parley/protocol';
import type { TokenSigner } from '../auth/tokens.ts';
import { captureKeys } from '../capture/Capture.ts';
import { STARTED_FILE, type Captures, type RecordingStarter } from '../capture/Captures.ts';
import { readDriveJson, type Drive } from '../drive/Drive.ts';
import type { Meetings } from '../meet/Meetings.ts';
import { sendError } from './errors.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RecordingMeta } from '@parley/protocol';


/**
 * GET /api/live/:id: a live stream's public state (no login: the id is the
 * secret). GET /api/meetings/:id/recordings: the meeting's recordings with
 * share links (participant token as Bearer): all of them for a moderator by
 * right (the moderator link, or the owner's account), and to any other
 * moderator only those they asked for themselves: whoever finds a meeting
 * empty becomes its moderator, and must not get its past recordings too.
 */
export function registerCaptureRoutes(parent: FastifyInstance, deps: { meetings: Meetings; captures: Captures; drive: Drive; signer: TokenSigner }): void {
  // Routes typed from their schemas: params, bodies and queries need no casts.
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/live/:id', { schema: { params: LiveParams } }, async (req, reply) => {
    const { id } = req.params;
    const status = await deps.captures.liveStatus(id);
    // Unknown and never-existing ids look alike: nothing to enumerate.
    if (!status) return sendError(reply, 'NOT_FOUND', 'no such live stream');
    reply.header('cache-control', 'no-cache');
    return status;
  });

  app.get('/api/meetings/:id/recordings', { schema: { params: MeetingParams } }, async (req, reply) => {
    const { id } = req.params;
    const auth = req.headers.authorization;
    const claims = deps.signer.verify(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined);
    if (!claims || claims.meetingId !== id) return sendError(reply, 'UNAUTHORIZED', 'a participant token of this meeting is needed');
    const byRight = await deps.meetings.grantHolds(id, claims.grant);
    const live = deps.meetings.live(id);
    const now = live?.has(claims.participantId) ? live.participant(claims.participantId).role === 'moderator' : false;
    if (!byRight && !now) return sendError(reply, 'NOT_MODERATOR', 'only a moderator can list recordings');
    const objects = await deps.drive.list(captureKeys.recordingsOf(id));
    const metas = await Promise.all(objects.filter((o) => o.key.endsWith(`/${captureKeys.recordingMeta}`)).map((o) => readDriveJson<RecordingMeta>(deps.drive, o.key)));
    const recordings: RecordingInfo[] = [];
    for (const m of metas) {
      if (!m) continue;
      if (!byRight) {
        const starter = await readDriveJson<RecordingStarter>(deps.drive, captureKeys.recordingFolder(id, m.id) + STARTED_FILE);
        if (starter?.participantId !== claims.participantId) continue;
      }
      const folder = captureKeys.recordingFolder(id, m.id);
      recordings.push({
        id: m.id,
        meetingId: id,
        startedAt: m.startedAt,
        seconds: m.seconds,
        bytes: m.bytes,
        url: m.file ? await deps.drive.shareUrl(folder + m.file, 24 * 3600) : null,
        downloadUrl: m.file ? await deps.drive.shareUrl(folder + m.file, 24 * 3600, { download: `recording-${new Date(m.startedAt).toISOString().slice(0, 16).replace(':', '-')}.mp4` }) : null,
        error: m.error,
      });
    }
    recordings.sort((a, b) => b.startedAt - a.startedAt);
    return { recordings };
  });
}
