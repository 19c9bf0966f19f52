import type { Namespace, Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import { DRAW_LIMITS, type RecorderClientToServerEvents, type RecorderConsumerWire, type RecorderServerToClientEvents, type RecorderView, type RoomId } from '@parley/protocol';
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
/** Strokes come every 40 ms while someone draws; the recorder's overlay is redrawn at 5 frames a second. */
const DRAW_THROTTLE_MS = 200;

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
        drawing: meeting && !meeting.closed ? meeting.drawing.roomState(null) : { board: false, drawers: [], surfaces: [] },
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
    // Strokes in the main room reach its recorders a few times a second (the
    // whole state each time: a recorder that attaches late, or reconnects,
    // is never out of step); fading ones once more after they are gone.
    let drawTimer: NodeJS.Timeout | undefined;
    let fadeTimer: NodeJS.Timeout | undefined;
    const sendDrawing = () => {
      drawTimer = undefined;
      if (meeting.closed) return;
      const state = captures.state(meeting.id);
      const ids = [state.recording?.id, state.stream?.id].filter((x): x is string => !!x);
      if (ids.length === 0) return;
      const drawing = meeting.drawing.roomState(null);
      nsp.to(ids.map(captureRoom)).emit('recorder:drawing', drawing);
      if (drawing.surfaces.some((s) => s.strokes.some((k) => k.fade))) {
        clearTimeout(fadeTimer);
        fadeTimer = setTimeout(sendDrawing, DRAW_LIMITS.fadeMs + 100);
      }
    };
    const drew = (room: RoomId | null) => {
      if (room === null) drawTimer ??= setTimeout(sendDrawing, DRAW_THROTTLE_MS);
    };
    meeting.on('drawStroke', (room) => drew(room));
    meeting.on('drawRemoved', (room) => drew(room));
    meeting.on('drawCleared', (room) => drew(room));
    meeting.on('drawMeta', (room) => drew(room));
    // A main room left empty (everyone in breakout rooms, or gone) loses its
    // drawings and its board without an event of their own.
    meeting.on('moved', () => drew(null));
    meeting.on('participantLeft', () => drew(null));
    meeting.on('closed', () => {
      clearTimeout(timer);
      clearTimeout(drawTimer);
      clearTimeout(fadeTimer);
    });
  });
  return nsp;
}

function emptyView(): RecorderView {
  return { participants: [], activeSpeakerId: null, layout: { mode: 'stage', pinned: null }, moderatorLayout: false };
}

export { captureRoom };
