import type { ParticipantId } from '@parley/protocol';
import { RATES, type SocketContext } from './context.ts';

/**
 * Moderator actions and the waiting room's admin side. The gateway passes the
 * caller's id from its token; the Meeting checks the role and every target.
 */
export function moderationHandlers(ctx: SocketContext): void {
  const pid = ctx.data.participantId;
  const target = (id: string) => id as ParticipantId;
  const r = RATES.moderation;

  ctx.handle('lobby:admit', ({ participantId }) => ctx.joined().door.admit(pid, target(participantId)), r);
  ctx.handle('lobby:admitAll', () => ({ admitted: ctx.joined().door.admitAll(pid) }), r);
  ctx.handle('lobby:deny', ({ participantId, reason }) => ctx.joined().door.deny(pid, target(participantId), reason), r);

  ctx.handle('moderation:grant', ({ participantId }) => ctx.joined().moderation.grant(pid, target(participantId)), r);
  ctx.handle('moderation:renounce', () => ctx.joined().moderation.renounce(pid), r);
  ctx.handle('moderation:kick', ({ participantId, reason, waitingRoom }) => ctx.joined().moderation.kick(pid, target(participantId), reason, { waitingRoom: waitingRoom === true }), r);
  ctx.handle('moderation:mute', ({ participantId, kind }) => ctx.joined().moderation.mute(pid, target(participantId), kind), r);
  ctx.handle('moderation:muteAll', async ({ kind }) => ({ muted: await ctx.joined().moderation.muteAll(pid, kind) }), r);
  ctx.handle('moderation:allow', ({ participantId, kind, allowed }) => ctx.joined().moderation.allow(pid, target(participantId), kind, allowed), r);
  ctx.handle('moderation:askToUnmute', ({ participantId, kind }) => ctx.joined().moderation.askToUnmute(pid, target(participantId), kind), r);
  ctx.handle('moderation:settings', async (patch) => ({ settings: await ctx.joined().moderation.updateSettings(pid, patch) }), r);
  ctx.handle('moderation:lowerHand', ({ participantId }) => ctx.joined().moderation.lowerHand(pid, target(participantId)), r);
  ctx.handle('moderation:pushLayout', () => void ctx.joined().moderation.pushLayout(pid), r);
  ctx.handle('moderation:endMeeting', () => ctx.joined().end(pid), r);
  ctx.handle('moderation:setPassword', ({ password }) => ctx.joined().moderation.setPassword(pid, password), r);
}
