import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Logger } from 'pino';
import { LIMITS } from '@parley/protocol';
import type { ParticipantClaims, RecorderTokens, TokenSigner } from '../auth/tokens.ts';
import type { Captures } from '../capture/Captures.ts';
import type { Meetings } from '../meet/Meetings.ts';
import { breakoutHandlers } from './breakout.handlers.ts';
import { captureHandlers } from './capture.handlers.ts';
import { createRecorderGateway } from './recorder.handlers.ts';
import { broadcastMeeting } from './broadcast.ts';
import { talkHandlers } from './talk.handlers.ts';
import { SocketContext, tokenAuth, type ParleyServer, type ParleySocket } from './context.ts';
import { mediaHandlers } from './media.handlers.ts';
import { meetingHandlers } from './meeting.handlers.ts';
import { moderationHandlers } from './moderation.handlers.ts';
import { coalesceWebSocketWrites } from './coalesce.ts';
import { clientAddress, type TrustProxy } from '../lib/client-address.ts';
import { originOf } from '../lib/origin.ts';

export interface GatewayDeps {
  meetings: Meetings;
  /** Which proxies' X-Forwarded-For to believe for the client's address. */
  trust: TrustProxy;
  signer: TokenSigner;
  captures: Captures;
  recorderTokens: RecorderTokens;
  log: Logger;
}

/** The Socket.IO edge: authenticates each socket from its token, then wires feature handlers. */
export function createGateway(http: HttpServer, deps: GatewayDeps): ParleyServer {
  const io: ParleyServer = new Server(http, {
    path: '/socket.io',
    serveClient: false,
    // A bigger packet closes that socket (and only it) before parsing.
    maxHttpBufferSize: LIMITS.socketPayloadBytes,
    pingInterval: 10_000,
    pingTimeout: 10_000,
  });
  coalesceWebSocketWrites(io);

  io.use(
    tokenAuth<ParleySocket, ParticipantClaims>(
      (token) => deps.signer.verify(token),
      'participant',
      (socket, claims) => {
        socket.data = {
          meetingId: claims.meetingId,
          participantId: claims.participantId,
          name: claims.name,
          moderator: claims.moderator,
          grant: claims.grant ?? null,
          device: claims.device ?? null,
          address: clientAddress(socket.request, deps.trust),
          joined: false,
        };
      },
    ),
  );

  io.on('connection', (socket) => {
    const log = deps.log.child({ meeting: socket.data.meetingId, participant: socket.data.participantId, socket: socket.id });
    const ctx = new SocketContext(socket, log, originOf(socket.request, deps.trust));
    meetingHandlers(ctx, deps.meetings, deps.captures);
    mediaHandlers(ctx);
    talkHandlers(ctx);
    moderationHandlers(ctx);
    breakoutHandlers(ctx);
    captureHandlers(ctx, deps.captures);
    ctx.rejectUnknown();
    socket.on('error', (error) => log.debug({ err: error }, 'socket error'));
  });

  deps.meetings.on('opened', (meeting) => broadcastMeeting(io, meeting));
  createRecorderGateway(io, { meetings: deps.meetings, captures: deps.captures, tokens: deps.recorderTokens, log: deps.log.child({ ns: 'recorder' }) });
  return io;
}
