import type { ParticipantId } from '@parley/protocol';
import { RATES, type SocketContext } from './context.ts';

/**
 * Breakout rooms. Every move is made by the Meeting (which re-routes media);
 * the gateway passes the caller's id from its token and nothing else.
 */
export function breakoutHandlers(ctx: SocketContext): void {
  const pid = ctx.data.participantId;
  const r = RATES.moderation;

  ctx.handle('breakout:create', ({ name }) => ({ room: ctx.joined().breakouts.create(pid, name) }), r);
  ctx.handle('breakout:rename', ({ roomId, name }) => ctx.joined().breakouts.rename(pid, roomId, name), r);
  ctx.handle('breakout:remove', ({ roomId }) => ctx.joined().breakouts.remove(pid, roomId), r);
  ctx.handle('breakout:assign', ({ participantId, roomId }) => ctx.joined().breakouts.assign(pid, participantId as ParticipantId, roomId), r);
  ctx.handle('breakout:autoAssign', () => ({ moved: ctx.joined().breakouts.autoAssign(pid) }), r);
  ctx.handle('breakout:join', ({ roomId }) => ctx.joined().breakouts.choose(pid, roomId), r);
  ctx.handle('breakout:settings', ({ participantsChoose }) => ctx.joined().breakouts.setChoice(pid, participantsChoose), r);
  ctx.handle('breakout:timer', ({ seconds }) => ({ endsAt: ctx.joined().breakouts.setTimer(pid, seconds) }), r);
  ctx.handle('breakout:broadcast', ({ text }) => ctx.joined().breakouts.broadcast(pid, text), RATES.talk);
  ctx.handle('breakout:close', ({ roomId }) => ({ moved: ctx.joined().breakouts.close(pid, roomId) }), r);
  ctx.handle('breakout:closeAll', () => ({ moved: ctx.joined().breakouts.closeAll(pid) }), r);
}
