import type { DrawSurface, ParticipantId } from '@parley/protocol';
import { RATES, type SocketContext } from './context.ts';

/** Talk (the in-meeting chat), reactions, raised hands, and drawing on screens and the whiteboard. */
export function talkHandlers(ctx: SocketContext): void {
  const pid = ctx.data.participantId;
  ctx.handle('talk:send', ({ text, to }) => ({ message: ctx.joined().talk.send(pid, text, to) }), RATES.talk);
  ctx.handle('reaction:send', ({ emoji }) => ctx.joined().talk.react(pid, emoji), RATES.reaction);
  ctx.handle('hand:set', ({ raised }) => ctx.joined().talk.setHand(pid, raised), RATES.hand);
  ctx.handle('meeting:rename', ({ name }) => ({ name: ctx.joined().rename(pid, name) }), RATES.rename);
  ctx.handle('draw:stroke', (stroke) => ctx.joined().drawing.stroke(pid, stroke), RATES.draw);
  ctx.handle('draw:undo', ({ surface }) => ctx.joined().drawing.undo(pid, surface as DrawSurface), RATES.draw);
  ctx.handle('draw:clear', ({ surface }) => ctx.joined().drawing.clear(pid, surface as DrawSurface), RATES.moderation);
  ctx.handle('draw:allow', ({ participantId, allowed }) => ctx.joined().drawing.allow(pid, participantId as ParticipantId, allowed), RATES.moderation);
  ctx.handle('draw:board', ({ open }) => ctx.joined().drawing.setBoard(pid, open), RATES.moderation);
  ctx.handle('draw:sync', () => ({ drawing: ctx.joined().drawing.stateFor(pid) }), RATES.drawSync);
  ctx.handle('e2ee:set', ({ enabled }) => ctx.joined().media.setE2ee(pid, enabled), RATES.hand);
}
