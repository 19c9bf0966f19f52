import type { Namespace, Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { RecorderClientToServerEvents, RecorderConsumerWire, RecorderServerToClientEvents, RecorderView } from '@parley/protocol';
import type { MediaSink } from '@parley/sfu';
import type { RecorderClaims, RecorderTokens } from '../auth/tokens.ts';
import { CaptureNotFound, recorderView, type Captures } from '../capture/Captures.ts';
import type { Meeting } from '../meet/Meeting.ts';
import type { Meetings } from '../meet/Meetings.ts';
import { meetingRoom, Requests, tokenAuth, type ParleyServer } from './context.ts';

export type RecorderNamespace = Namespace<RecorderClientToServerEvents, RecorderServerToClientEvents, Record<string, never>, { claims: RecorderClaims }>;
type RecorderSocket = Socket<RecorderClientToServerEvents, RecorderServerToClientEvents, Record<string, never>, { claims: RecorderClaims }>;

const captureRoom = (captureId: string) => `cap:${captureId}`;
/** A burst of joins and mutes becomes one view for the recorder. */
const VIEW_THROTTLE_MS = 150;

/**
 * The /recorder namespace: recorder processes, each with the token of one
 * capture job, get plain RTP of the meeting's main room and its changes,
 * and report progress. Participants' tokens are refused here, recorders'
 * tokens on the participants' namespace.
 */
export function createRecorderGateway(io: ParleyServer, deps: { meetings: Meetings; captures: Captures; tokens: RecorderTokens; log: Logger }): RecorderNamespace {
  const nsp = (io as Server).of('/recorder') as RecorderNamespace;
  const { captures, meetings } = deps;

  nsp.use(
    tokenAuth<RecorderSocket, RecorderClaims>(
      (token) => deps.tokens.verify(token),
      'recorder',
      (socket, claims) => {
        socket.data = { claims };
      },
    ),
  );

  nsp.on('connection', (socket) => {
    const { captureId, meetingId } = socket.data.claims;
    const log = deps.log.child({ capture: captureId, socket: socket.id });
    const req = new Requests(socket as Socket, log);
    let sink: MediaSink | undefined;
    let meeting: Meeting | undefined;

    const liveMeeting = (): Meeting => {
      if (!meeting || meeting.closed) throw new CaptureNotFound();
      return meeting;
    };

    req.handle('recorder:attach', async () => {
      const { job, view, stopping } = captures.attach(captureId);
      await socket.join(captureRoom(captureId));
      meeting = meetings.live(meetingId);
      if (meeting && !meeting.closed && !sink) {
        const m = meeting;
        // The main room's producers only: breakout rooms are not recorded.
        sink = meetings.createSink(m, (peerId) => m.has(peerId as never) && m.roomOf(peerId as never) === null);
      }
      log.info({ stopping }, 'recorder attached');
      return {
        job: {
          captureId: job.id,
          kind: job.kind,
          layout: job.layout,
          meetingId: job.meetingId,
          title: meeting?.title ?? '',
          serverUrl: '',
          token: '',
          liveId: job.liveId,
          endsAt: job.endsAt,
          requestedAt: job.requestedAt,
        },
        view: view ?? emptyView(),
        stopping,
      };
    });

    req.handle('recorder:consume', async ({ producerId, ip, port, rtcpPort }) => {
      liveMeeting();
      if (!sink) throw new CaptureNotFound();
      const consumer = await sink.consume(producerId, { ip, port, rtcpPort });
      const out: RecorderConsumerWire = {
        id: consumer.id as never,
        producerId: consumer.producerId as never,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters as never,
      };
      return { consumer: out };
    });
    req.handle('recorder:release', ({ consumerId }) => sink?.release(consumerId));
    req.handle('recorder:keyframe', async ({ consumerId }) => {
      if (!sink) throw new CaptureNotFound();
      await sink.requestKeyFrame(consumerId);
    });
    req.handle('recorder:progress', (p) => captures.progress(captureId, p));
    req.handle('recorder:finished', (p) => captures.finished(captureId, p));
    req.rejectUnknown();

    socket.on('disconnect', (reason) => {
      sink?.close();
      sink = undefined;
      log.info({ reason }, 'recorder detached');
    });
  });

  // ---- what the recorders hear ----
  captures.on('stop', (capture, reason) => nsp.to(captureRoom(capture.id)).emit('recorder:stop', { reason }));
  captures.on('state', (meetingId, state) => io.to(meetingRoom(meetingId)).emit('capture:state', state));

  meetings.on('opened', (meeting) => {
    let timer: NodeJS.Timeout | undefined;
    const changed = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        if (meeting.closed) return;
        const state = captures.state(meeting.id);
        const ids = [state.recording?.id, state.stream?.id].filter((x): x is string => !!x);
        if (ids.length === 0) return;
        const view = recorderView(meeting);
        for (const id of ids) nsp.to(captureRoom(id)).emit('recorder:view', view);
      }, VIEW_THROTTLE_MS);
    };
    for (const event of ['participantJoined', 'participantUpdated', 'participantLeft', 'activeSpeaker', 'settings', 'moved'] as const) {
      meeting.on(event, changed);
    }
    meeting.on('closed', () => clearTimeout(timer));
  });
  return nsp;
}

function emptyView(): RecorderView {
  return { participants: [], activeSpeakerId: null, layout: { mode: 'stage', pinned: null }, moderatorLayout: false };
}

export { captureRoom };
