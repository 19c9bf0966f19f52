// Which calendars and address books changed (GET /api/changes: server-sent
// events, docs/protocol.md). Read with fetch(), not EventSource: the session
// token goes in a header, never in a URL (where logs keep it). A lost stream
// is opened again, 1 s later, then twice as long each time up to a minute.
// Each time the stream opens, the first time too, the page is told to read
// everything again: notes may have been missed meanwhile, and the first
// time, a change made between the page's first reading and the stream's
// opening was told to no one. The server writes at least every 25 s: a stream silent
// for a minute (a laptop woken up, a network changed under it) is dead
// without saying so, and is opened again.
import type { ChangeNote } from '@parley/protocol';

/** Follows the changes; answers how to stop. A signed-out session stops by itself. */
export function followChanges(token: string, onNote: (note: ChangeNote) => void): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = 1000;
  let lastByte = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastByte > 60_000) controller?.abort();
  }, 15_000);
  const run = async () => {
    // A new try gets its own minute: the silence before it is not its own.
    lastByte = Date.now();
    controller = new AbortController();
    try {
      const res = await fetch('/api/changes', { headers: { authorization: `Bearer ${token}` }, signal: controller.signal, cache: 'no-store' });
      // Signed out: the page's own calls say so; nothing to follow.
      if (res.status === 401) return void clearInterval(watchdog);
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      onNote({ kind: 'resync' });
      delay = 1000;
      lastByte = Date.now();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        lastByte = Date.now();
        buffered += value;
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          for (const line of buffered.slice(0, end).split('\n')) if (line.startsWith('data: ')) onNote(JSON.parse(line.slice(6)) as ChangeNote);
          buffered = buffered.slice(end + 2);
        }
      }
    } catch {
      // A network failure or an abort: tried again below unless stopped.
    }
    if (stopped) return;
    timer = setTimeout(() => void run(), delay);
    delay = Math.min(delay * 2, 60_000);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(watchdog);
    controller?.abort();
  };
}
