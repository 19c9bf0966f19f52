import type { ParticipantId } from '@parley/protocol';
import { RATES, type SocketContext } from './context.ts';

/**
 * Breakout rooms. Every move is made by the Meeting (which re-routes media);
 * the gateway passes the caller's id from its token and nothing else.
 */
export function breakoutHandlers(ctx: SocketContext): void {
  const pid = ctx.data.participantId;
  const r = RATES.moderation;

  ctx.handle('breakout:create', ({ name }) => ({ room: ctx.joined().createRoom(pid, name) }), r);
  ctx.handle('breakout:rename', ({ roomId, name }) => ctx.joined().renameRoom(pid, roomId, name), r);
  ctx.handle('breakout:remove', ({ roomId }) => ctx.joined().removeRoom(pid, roomId), r);
  ctx.handle('breakout:assign', ({ participantId, roomId }) => ctx.joined().assign(pid, participantId as ParticipantId, roomId), r);
  ctx.handle('breakout:autoAssign', () => ({ moved: ctx.joined().autoAssign(pid) }), r);
  ctx.handle('breakout:join', ({ roomId }) => ctx.joined().chooseRoom(pid, roomId), r);
  ctx.handle('breakout:settings', ({ participantsChoose }) => ctx.joined().setRoomChoice(pid, participantsChoose), r);
  ctx.handle('breakout:timer', ({ seconds }) => ({ endsAt: ctx.joined().setRoomTimer(pid, seconds) }), r);
  ctx.handle('breakout:broadcast', ({ text }) => ctx.joined().broadcastToRooms(pid, text), RATES.chat);
  ctx.handle('breakout:close', ({ roomId }) => ({ moved: ctx.joined().closeRoom(pid, roomId) }), r);
  ctx.handle('breakout:closeAll', () => ({ moved: ctx.joined().closeAllRooms(pid) }), r);
}
