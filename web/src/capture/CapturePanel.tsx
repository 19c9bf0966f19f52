import { useEffect, useState } from 'preact/hooks';
import type { CaptureInfo, CaptureLayout, RecordingInfo } from '@parley/protocol';
import { formatBytes, formatClock, formatDateTime, formatDuration, formatWith } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { IconButton } from '../ui/icons.tsx';
import type { CaptureStore } from './store.ts';
import { ownLink } from '../ui/links.ts';
import { X as XIcon } from 'lucide';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { CopyButton } from '../ui/CopyButton.tsx';

/** What this view needs of the meeting session (it is given the session itself). */
type CaptureSession = { capture: CaptureStore; meetingId: string };

function Progress({ c }: { c: CaptureInfo }) {
  return (
    <p class="dim" data-testid={`${c.kind}-progress`}>
      {t('capture.progress.status', { state: c.state, time: formatClock(c.seconds), size: formatBytes(c.bytes) })}
      {c.pending > 0 && <span class="warn-text" data-testid={`${c.kind}-pending`}> · {t('capture.progress.pending', { count: c.pending })}</span>}
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
  const [layout, setLayout] = useState<CaptureLayout>('grid');
  const [keep, setKeep] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const refresh = () => void session.capture.recordings().then(setList, () => setList([]));
  // A finished recording appears once its recorder reports it done.
  useEffect(refresh, [recording?.id ?? null]);

  return (
    <aside class="panel" aria-label={t('capture.panel.label')} data-testid="capture-panel">
      <header class="panel-head">
        <h2>{t('capture.panel.title')}</h2>
        <IconButton icon={XIcon} label={t('capture.panel.close')} size={18} onClick={onClose} />
      </header>
      <div class="panel-body">
        <label>
          {t('capture.layout.label')}{' '}
          <select data-testid="capture-layout" value={layout} onChange={(e) => setLayout((e.target as HTMLSelectElement).value as CaptureLayout)}>
            <option value="grid">{t('capture.layout.grid')}</option>
            <option value="speaker">{t('capture.layout.speaker')}</option>
          </select>
        </label>
        <p class="dim">{t('capture.layout.hint')}</p>
        <section>
          <h3>{t('capture.recording.title')}</h3>
          {recording ? (
            <>
              <Progress c={recording} />
              <button type="button" class="small danger" data-testid="stop-recording" disabled={recording.state === 'finishing'} onClick={() => void session.capture.stop('record')}>
                {t('capture.recording.stop')}
              </button>
            </>
          ) : (
            <button type="button" class="small primary" data-testid="start-recording" onClick={() => void session.capture.start('record', layout)}>
              {t('capture.recording.start')}
            </button>
          )}
        </section>
        <section>
          <h3>{t('capture.stream.title')}</h3>
          {stream ? (
            <>
              <Progress c={stream} />
              {viewerUrl && (
                <div class="copy-row">
                  <input readOnly aria-label={t('capture.stream.viewerLink')} value={viewerUrl} data-testid="viewer-url" onFocus={(e) => (e.target as HTMLInputElement).select()} />
                  <CopyButton text={viewerUrl} label={t('capture.stream.copy')} copiedLabel={t('capture.stream.copied')} testid="copy-viewer-url" />
                </div>
              )}
              {stream.endsAt && (
                <p class="dim" data-testid="stream-ends">
                  {t('capture.stream.ends', { when: formatWith(stream.endsAt, { weekday: 'long', hour: 'numeric', minute: '2-digit' }) })}
                </p>
              )}
              <p class="dim" data-testid="stream-keep">
                {stream.keep ? t('capture.stream.kept') : t('capture.stream.deleted')}
              </p>
              <button type="button" class="small danger" data-testid="stop-stream" disabled={stream.state === 'finishing'} onClick={() => void session.capture.stop('stream')}>
                {t('capture.stream.stop')}
              </button>
            </>
          ) : !session.capture.state.value.streamAllowed ? (
            <p class="dim" data-testid="stream-not-in-plan">
              {t('capture.stream.notInPlan')}
            </p>
          ) : (
            <>
              <label class="check">
                <input type="checkbox" data-testid="stream-keep-choice" checked={keep} onChange={(e) => setKeep((e.target as HTMLInputElement).checked)} />
                {t('capture.stream.keepChoice')}
              </label>
              <p class="dim">{keep ? t('capture.stream.keepHint') : t('capture.stream.noKeepHint')}</p>
              <button type="button" class="small primary" data-testid="start-stream" onClick={() => setConfirming(true)}>
                {t('capture.stream.start')}
              </button>
              {confirming && (
                // As the seeds describe: the moderator confirms, then sees the stream being created.
                <ConfirmDialog
                  title={t('capture.stream.confirmTitle')}
                  text={t('capture.stream.confirmText')}
                  confirm={t('capture.stream.confirmStart')}
                  cancel={t('capture.stream.cancel')}
                  testid="stream-confirm"
                  confirmTestid="stream-confirm-start"
                  onConfirm={() => void session.capture.start('stream', layout, { keep })}
                  close={() => setConfirming(false)}
                />
              )}
            </>
          )}
        </section>
        <section>
          <h3>
            {t('capture.recordings.title')}{' '}
            <button type="button" class="link-btn" data-testid="refresh-recordings" onClick={refresh}>
              {t('capture.recordings.refresh')}
            </button>
          </h3>
          {/* In this tab: the moderator's participant token (sessionStorage) is what opens the library without an account. */}
          <a href={`/m/${encodeURIComponent(session.meetingId)}/recordings`} data-testid="open-library">
            {t('capture.library.open')}
          </a>
          {list === null ? (
            <p class="dim">{t('capture.recordings.loading')}</p>
          ) : list.length === 0 ? (
            <p class="dim">{t('capture.recordings.empty')}</p>
          ) : (
            <ul class="recordings" data-testid="recordings">
              {list.map((r) => (
                <li key={r.id} data-testid="recording">
                  {formatDateTime(r.startedAt)} · {formatDuration(r.seconds)} · {formatBytes(r.bytes)}{' '}
                  {r.url ? (
                    <>
                      <a href={r.url} target="_blank" rel="noopener" data-testid="recording-link">
                        {t('capture.recordings.play')}
                      </a>{' '}
                      {r.downloadUrl && (
                        <a href={r.downloadUrl} data-testid="recording-download">
                          {t('capture.recordings.download')}
                        </a>
                      )}
                    </>
                  ) : (
                    <span class="warn-text" title={r.error ?? undefined}>
                      {t('capture.recordings.failed')}
                    </span>
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
        <span class="capture-badge rec" data-testid="rec-indicator" data-state={recording.state} title={t('capture.badge.recordingBy', { name: recording.by })}>
          <span aria-hidden="true">●</span> {t('capture.badge.rec')}
        </span>
      )}
      {stream && (
        <span class="capture-badge live" data-testid="live-indicator" data-state={stream.state} title={t('capture.badge.streamBy', { name: stream.by })}>
          {t('capture.badge.live')}
        </span>
      )}
    </>
  );
}
