// GET /api/changes: server-sent events telling a signed-in page which of
// its calendars and address books changed (suite/live/Changes.ts). Plain
// HTTP rather than a socket: the calendar and contacts pages read it with
// fetch() in a few lines, where a Socket.IO client would weigh more than the
// page. Each note names what changed; the page reads it again itself.
import type { FastifyInstance } from 'fastify';
import type { ChangeNote } from '@parley/protocol';
import type { Accounts } from '../accounts/Accounts.ts';
import type { Changes } from '../suite/live/Changes.ts';
import { requireSession, sessionFirst } from './session.ts';

/**
 * A comment line this often keeps proxies from closing a quiet stream, and
 * the session is checked again: one revoked on another node (or expired)
 * ends the stream within this long.
 */
const PING_MS = 25_000;
/** Bytes waiting for a page that does not read them, past which its stream is ended. */
const MAX_UNREAD = 256 * 1024;

export function registerChangeRoutes(app: FastifyInstance, deps: { accounts: Accounts; changes: Changes }): void {
  const { accounts, changes } = deps;
  app.get('/api/changes', { onRequest: sessionFirst(accounts) }, async (req, reply) => {
    const session = await requireSession(accounts, req);
    const token = req.headers.authorization!.slice('Bearer '.length);
    const res = reply.raw;
    let ended = false;
    /** `hard`: the page reads nothing, so a polite end would wait behind what it never read: the socket goes. */
    const end = (hard = false) => {
      if (ended) return;
      ended = true;
      clearInterval(ping);
      stop();
      if (hard) res.destroy();
      else res.end();
    };
    const write = (text: string) => {
      if (ended) return;
      // A page that reads nothing (asleep, or hostile) is not buffered for without end: it reads all again when it comes back.
      if (res.writableLength > MAX_UNREAD) return end(true);
      res.write(text);
    };
    // Refused (too many pages) before anything is sent: a plain error answer.
    const stop = changes.listen(session.user.id, session.sessionId, (note: ChangeNote) => write(`data: ${JSON.stringify(note)}\n\n`), () => end());
    const ping = setInterval(() => {
      write(': ping\n\n');
      void accounts.authenticate(token).then(
        (still) => still || end(),
        () => undefined,
      );
    }, PING_MS);
    reply.hijack();
    // The security headers already set for this answer (helmet), and the stream's own.
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string | number | string[]>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx would hold the notes back to fill its buffer.
      'x-accel-buffering': 'no',
    });
    // `retry`: how long a browser's EventSource waits before coming back.
    write('retry: 5000\n: listening\n\n');
    // A page gone before this point (while its session was looked up) has closed already: no event will say so.
    res.on('close', () => end());
    if (res.destroyed || req.raw.socket?.destroyed) end();
  });
}
