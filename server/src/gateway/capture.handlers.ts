import type { Captures } from '../capture/Captures.ts';
import { RATES, type SocketContext } from './context.ts';

/** Recording and live streaming, asked by a moderator (Captures checks the role). */
export function captureHandlers(ctx: SocketContext, captures: Captures): void {
  const pid = ctx.data.participantId;
  ctx.handle('capture:start', async ({ kind, layout, keep }) => ({ capture: (await captures.start(ctx.joined(), pid, kind, layout, { keep: keep === true })).info() }), RATES.moderation);
  ctx.handle('capture:stop', ({ kind }) => captures.stop(ctx.joined(), pid, kind), RATES.moderation);
}
