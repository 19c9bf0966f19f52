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

  ctx.handle('lobby:admit', ({ participantId }) => ctx.joined().admit(pid, target(participantId)), r);
  ctx.handle('lobby:admitAll', () => ({ admitted: ctx.joined().admitAll(pid) }), r);
  ctx.handle('lobby:deny', ({ participantId, reason }) => ctx.joined().deny(pid, target(participantId), reason), r);

  ctx.handle('moderation:grant', ({ participantId }) => ctx.joined().grant(pid, target(participantId)), r);
  ctx.handle('moderation:renounce', () => ctx.joined().renounce(pid), r);
  ctx.handle('moderation:kick', ({ participantId, reason, waitingRoom }) => ctx.joined().kick(pid, target(participantId), reason, { waitingRoom: waitingRoom === true }), r);
  ctx.handle('moderation:mute', ({ participantId, kind }) => ctx.joined().mute(pid, target(participantId), kind), r);
  ctx.handle('moderation:muteAll', async ({ kind }) => ({ muted: await ctx.joined().muteAll(pid, kind) }), r);
  ctx.handle('moderation:allow', ({ participantId, kind, allowed }) => ctx.joined().allow(pid, target(participantId), kind, allowed), r);
  ctx.handle('moderation:askToUnmute', ({ participantId, kind }) => ctx.joined().askToUnmute(pid, target(participantId), kind), r);
  ctx.handle('moderation:settings', async (patch) => ({ settings: await ctx.joined().updateSettings(pid, patch) }), r);
  ctx.handle('moderation:setPassword', ({ password }) => ctx.joined().setPassword(pid, password), r);
}
