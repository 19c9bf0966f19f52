import { RATES, type SocketContext } from './context.ts';

/** In-meeting chat, reactions and raised hands. */
export function chatHandlers(ctx: SocketContext): void {
  const pid = ctx.data.participantId;
  ctx.handle('chat:send', ({ text, to }) => ({ message: ctx.joined().sendChat(pid, text, to) }), RATES.chat);
  ctx.handle('reaction:send', ({ emoji }) => ctx.joined().react(pid, emoji), RATES.reaction);
  ctx.handle('hand:set', ({ raised }) => ctx.joined().setHand(pid, raised), RATES.hand);
  ctx.handle('e2ee:set', ({ enabled }) => ctx.joined().setE2ee(pid, enabled), RATES.hand);
}
