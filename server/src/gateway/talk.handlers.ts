import { RATES, type SocketContext } from './context.ts';

/** Talk (the in-meeting chat), reactions and raised hands. */
export function talkHandlers(ctx: SocketContext): void {
  const pid = ctx.data.participantId;
  ctx.handle('talk:send', ({ text, to }) => ({ message: ctx.joined().talk.send(pid, text, to) }), RATES.talk);
  ctx.handle('reaction:send', ({ emoji }) => ctx.joined().talk.react(pid, emoji), RATES.reaction);
  ctx.handle('hand:set', ({ raised }) => ctx.joined().talk.setHand(pid, raised), RATES.hand);
  ctx.handle('meeting:rename', ({ name }) => ({ name: ctx.joined().rename(pid, name) }), RATES.rename);
  ctx.handle('e2ee:set', ({ enabled }) => ctx.joined().media.setE2ee(pid, enabled), RATES.hand);
}
