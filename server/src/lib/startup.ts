// Errors an operator makes and fixes (a port taken, a setting mistyped) are
// said in one sentence naming what to change, without a stack trace; a stack
// trace is for what only a developer can fix.
import { MediaPortInUse } from '@parley/sfu';
import { StartupError } from '@parley/platform';

export { StartupError };

/** The sentence for an operator's mistake, or undefined for a real bug (which keeps its stack trace). */
export function explainStartupError(error: unknown, where: { host: string; port: number; mediaPort: number; mediaWorkers: number }): string | undefined {
  if (error instanceof StartupError) return error.message;
  if (error instanceof MediaPortInUse) {
    const range = where.mediaWorkers > 1 ? ` (each of the ${where.mediaWorkers} media workers uses MEDIA_PORT plus its number, ${where.mediaPort} to ${where.mediaPort + where.mediaWorkers - 1}, UDP and TCP)` : ' (UDP and TCP)';
    return `the media port ${error.port}/${error.protocol} is already in use, by another program or another Parley. Stop it, or set MEDIA_PORT to a free port${range}.`;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') return `port ${where.port} on ${where.host} is already in use, by another program or another Parley. Stop it, or set PORT to a free port.`;
  if (code === 'EACCES') return `this user may not listen on port ${where.port} on ${where.host} (ports below 1024 need privileges). Set PORT to 1024 or above, and put a reverse proxy in front for 80/443.`;
  if (code === 'EADDRNOTAVAIL') return `${where.host} is not an address of this machine. Set HOST to one of its addresses (or 0.0.0.0).`;
  return undefined;
}
