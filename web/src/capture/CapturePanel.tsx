import { useEffect, useState } from 'preact/hooks';
import type { CaptureInfo, CaptureLayout, RecordingInfo } from '@parley/protocol';
import { Icon } from '../ui/icons.tsx';
import type { CaptureStore } from './store.ts';
import { ownLink } from '../ui/links.ts';

/** What this view needs of the meeting session (it is given the session itself). */
type CaptureSession = { capture: CaptureStore };

const clock = (seconds: number) => {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const size = (bytes: number) => (bytes > 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} kB`);

function Progress({ c }: { c: CaptureInfo }) {
  const label = c.state === 'starting' ? 'Starting…' : c.state === 'finishing' ? 'Finishing…' : 'In progress';
  return (
    <p class="dim" data-testid={`${c.kind}-progress`}>
      {label} · {clock(c.seconds)} · {size(c.bytes)} stored
      {c.pending > 0 && <span class="warn-text" data-testid={`${c.kind}-pending`}> · {c.pending} segments waiting for the storage</span>}
    </p>
  );
}

/**
 * Recording and live streaming: moderators start and stop them here, copy
 * the viewer link, and find finished recordings with their share links.
 */
export function CapturePanel({ session, onClose }: { session: CaptureSession; onClose: () => void }) {
  const { recording, stream } = session.capture.state.value;
  // The viewer page on the address this page was opened on (the server built it on the starter's).
  const viewerUrl = stream?.viewerUrl ? ownLink(stream.viewerUrl, 'live') : null;
  const [list, setList] = useState<RecordingInfo[] | null>(null);
  const [copied, setCopied] = useState(false);
  const [layout, setLayout] = useState<CaptureLayout>('grid');
  const [keep, setKeep] = useState(false);
  const refresh = () => void session.capture.recordings().then(setList, () => setList([]));
  // A finished recording appears once its recorder reports it done.
  useEffect(refresh, [recording?.id ?? null]);

  return (
    <aside class="panel" aria-label="Recording and live stream" data-testid="capture-panel">
      <header class="panel-head">
        <h2>Record and stream</h2>
        <button type="button" class="icon-btn" aria-label="Close recording panel" onClick={onClose}>
          <Icon name="close" size={18} />
        </button>
      </header>
      <div class="panel-body">
        <label>
          Layout of new recordings and streams{' '}
          <select data-testid="capture-layout" value={layout} onChange={(e) => setLayout((e.target as HTMLSelectElement).value as CaptureLayout)}>
            <option value="grid">Everyone in a grid</option>
            <option value="speaker">Active speaker</option>
          </select>
        </label>
        <p class="dim">A screen share takes the stage; with “follow me” on, your layout does.</p>
        <section>
          <h3>Recording</h3>
          {recording ? (
            <>
              <Progress c={recording} />
              <button type="button" class="small danger" data-testid="stop-recording" disabled={recording.state === 'finishing'} onClick={() => void session.capture.stop('record')}>
                Stop recording
              </button>
            </>
          ) : (
            <button type="button" class="small primary" data-testid="start-recording" onClick={() => void session.capture.start('record', layout)}>
              Start recording
            </button>
          )}
        </section>
        <section>
          <h3>Live stream</h3>
          {stream ? (
            <>
              <Progress c={stream} />
              {viewerUrl && (
                <div class="copy-row">
                  <input readOnly value={viewerUrl} data-testid="viewer-url" onFocus={(e) => (e.target as HTMLInputElement).select()} />
                  <button
                    type="button"
                    class="small primary"
                    data-testid="copy-viewer-url"
                    onClick={() => void navigator.clipboard?.writeText(viewerUrl).then(() => {
                      setCopied(true);
                      setTimeout(() => setCopied(false), 2000);
                    })}
                  >
                    {copied ? 'Copied' : 'Copy'}
                  </button>
                </div>
              )}
              {stream.endsAt && (
                <p class="dim" data-testid="stream-ends">
                  It stops by itself {new Date(stream.endsAt).toLocaleString([], { weekday: 'long', hour: '2-digit', minute: '2-digit' })} at the latest (24 hours after it started).
                </p>
              )}
              <p class="dim" data-testid="stream-keep">
                {stream.keep ? 'When it ends, it is kept as a recording of this meeting.' : 'When it ends, it is deleted: its link stops working.'}
              </p>
              <button type="button" class="small danger" data-testid="stop-stream" disabled={stream.state === 'finishing'} onClick={() => void session.capture.stop('stream')}>
                Stop live stream
              </button>
            </>
          ) : (
            <>
              <label class="check">
                <input type="checkbox" data-testid="stream-keep-choice" checked={keep} onChange={(e) => setKeep((e.target as HTMLInputElement).checked)} />
                Keep it as a recording when it ends
              </label>
              <p class="dim">{keep ? 'Moderators will find it under Recordings.' : 'Otherwise it is deleted when it ends, and its link stops working.'}</p>
              <button type="button" class="small primary" data-testid="start-stream" onClick={() => void session.capture.start('stream', layout, { keep })}>
                Go live
              </button>
            </>
          )}
        </section>
        <section>
          <h3>
            Recordings{' '}
            <button type="button" class="link-btn" data-testid="refresh-recordings" onClick={refresh}>
              Refresh
            </button>
          </h3>
          {list === null ? (
            <p class="dim">Loading…</p>
          ) : list.length === 0 ? (
            <p class="dim">No recordings yet.</p>
          ) : (
            <ul class="recordings" data-testid="recordings">
              {list.map((r) => (
                <li key={r.id} data-testid="recording">
                  {new Date(r.startedAt).toLocaleString()} · {clock(r.seconds)} · {size(r.bytes)}{' '}
                  {r.url ? (
                    <>
                      <a href={r.url} target="_blank" rel="noopener" data-testid="recording-link">
                        Play
                      </a>{' '}
                      {r.downloadUrl && (
                        <a href={r.downloadUrl} data-testid="recording-download">
                          Download
                        </a>
                      )}
                    </>
                  ) : (
                    <span class="warn-text">{r.error ?? 'failed'}</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </aside>
  );
}

/** The red dot and the LIVE badge, for everyone in the meeting. */
export function CaptureBadges({ session }: { session: CaptureSession }) {
  const { recording, stream } = session.capture.state.value;
  return (
    <>
      {recording && (
        <span class="capture-badge rec" data-testid="rec-indicator" data-state={recording.state} title={`Recording started by ${recording.by}`}>
          ● REC
        </span>
      )}
      {stream && (
        <span class="capture-badge live" data-testid="live-indicator" data-state={stream.state} title={`Live stream started by ${stream.by}`}>
          LIVE
        </span>
      )}
    </>
  );
}
