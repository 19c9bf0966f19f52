import { useEffect, useState } from 'preact/hooks';
import { LIMITS, type RecordingInfo } from '@parley/protocol';
import { sessionToken } from '../account/session.ts';
import { api, ApiError, call } from '../core/api.ts';
import { StoredIdentity } from '../core/identity.ts';
import { errorText } from '../i18n/errors.ts';
import { formatBytes, formatDateTime, formatDuration } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import './library.css';
import { CopyButton } from '../ui/CopyButton.tsx';

// The library's own requests (kept out of the core API module, which every page loads).
const recordingUrl = (id: string, recordingId: string) => `/api/meetings/${encodeURIComponent(id)}/recordings/${encodeURIComponent(recordingId)}`;
const library = {
  rename: (id: string, recordingId: string, title: string, token: string) => call<{ title: string }>('PATCH', recordingUrl(id, recordingId), { title }, token),
  remove: (id: string, recordingId: string, token: string) => call<object>('DELETE', recordingUrl(id, recordingId), undefined, token),
  link: (id: string, recordingId: string, expiresIn: number, token: string) => call<{ url: string; expiresAt: number }>('POST', `${recordingUrl(id, recordingId)}/link`, { expiresIn }, token),
};

/** Share links last an hour to 7 days (the most an S3 presigned link allows); the organizer chooses. */
const EXPIRIES = [3600, 86_400, 7 * 86_400] as const;

/**
 * The meeting's recordings library (/m/<id>/recordings), outside the running
 * meeting: its organizer (signed in) or a moderator by the meeting's link
 * (this tab's participant token) lists, plays, renames, deletes and shares
 * them. The server checks every action; this page only asks.
 */
export function RecordingsPage({ id }: { id: string }) {
  // A moderator by link who was in the meeting in this tab has its participant token; else the signed-in account.
  const participantToken = new StoredIdentity(id).get()?.token;
  // The participant token first (a moderator by link); if it no longer opens the library, the signed-in account.
  const [token, setToken] = useState(participantToken ?? sessionToken.value ?? undefined);
  const [title, setTitle] = useState('');
  const [list, setList] = useState<RecordingInfo[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [playing, setPlaying] = useState<RecordingInfo | null>(null);
  const refresh = () => {
    if (!token) return;
    api.recordings(id, token).then(
      (r) => setList(r.recordings),
      (e: unknown) => {
        if (token === participantToken && sessionToken.value && e instanceof ApiError && (e.code === 'NOT_MODERATOR' || e.code === 'UNAUTHORIZED')) setToken(sessionToken.value);
        else setError(e);
      },
    );
  };
  useEffect(() => {
    api.meeting(id).then((m) => setTitle(m.title), () => undefined);
  }, [id]);
  useEffect(refresh, [id, token]);

  return (
    <main class="recordings-page" data-testid="recordings-page">
      <header class="page-corner">
        <Preferences sessionToken={sessionToken.value} />
      </header>
      <h1>{t('capture.library.title')}</h1>
      {title && <p class="dim">{title}</p>}
      {!token ? (
        <p data-testid="recordings-sign-in">
          {t('capture.library.signIn')} <a href="/chat">{t('capture.library.signInLink')}</a>
        </p>
      ) : error ? (
        <p class="hint error" role="alert" data-testid="recordings-error">
          {errorText(error)}
        </p>
      ) : list === null ? (
        <p class="dim">{t('capture.library.loading')}</p>
      ) : list.length === 0 ? (
        <p class="dim" data-testid="recordings-empty">
          {t('capture.library.empty')}
        </p>
      ) : (
        <>
          {playing?.url && (
            <video key={playing.id} class="recording-player" data-testid="recording-player" src={playing.url} controls autoPlay playsInline aria-label={playing.title ?? formatDateTime(playing.startedAt)} />
          )}
          <ul class="library" data-testid="library">
            {list.map((r) => (
              <RecordingRow key={r.id} meetingId={id} token={token} r={r} playing={playing?.id === r.id} onPlay={() => setPlaying(r)} onChanged={refresh} onDeleted={() => {
                if (playing?.id === r.id) setPlaying(null);
                refresh();
              }} />
            ))}
          </ul>
        </>
      )}
    </main>
  );
}

function RecordingRow({ meetingId, token, r, playing, onPlay, onChanged, onDeleted }: { meetingId: string; token: string; r: RecordingInfo; playing: boolean; onPlay: () => void; onChanged: () => void; onDeleted: () => void }) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(r.title ?? '');
  const [expiry, setExpiry] = useState<number>(EXPIRIES[2]);
  const [link, setLink] = useState<{ url: string; expiresAt: number } | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = (p: Promise<unknown>) => p.then(() => setError(null), setError);
  return (
    <li class="library-item" data-testid="library-item" data-recording-id={r.id}>
      <div class="library-main">
        <strong class="library-title" data-testid="library-title">
          {r.title ?? t('capture.library.untitled', { date: formatDateTime(r.startedAt) })}
        </strong>
        <span class="dim small-text">
          {formatDateTime(r.startedAt)} · {formatDuration(r.seconds)} · {formatBytes(r.bytes)}
        </span>
        {r.error && <span class="warn-text small-text">{r.error}</span>}
      </div>
      <div class="library-actions">
        {r.url && (
          <button type="button" class="small" data-testid="library-play" aria-pressed={playing} onClick={onPlay}>
            {t('capture.library.play')}
          </button>
        )}
        <button type="button" class="small" data-testid="library-rename" onClick={() => setRenaming(!renaming)}>
          {t('capture.library.rename')}
        </button>
        <button type="button" class="small danger" data-testid="library-delete" onClick={() => setDeleting(true)}>
          {t('capture.library.delete')}
        </button>
      </div>
      {renaming && (
        <form
          class="row library-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(library.rename(meetingId, r.id, name, token).then(() => {
              setRenaming(false);
              onChanged();
            }));
          }}
        >
          <input data-testid="library-title-input" aria-label={t('capture.library.newTitle')} value={name} maxLength={LIMITS.titleChars} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button type="submit" class="small primary" data-testid="library-title-save" disabled={!name.trim()}>
            {t('capture.library.save')}
          </button>
        </form>
      )}
      {r.url && (
        <form
          class="row library-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(library.link(meetingId, r.id, expiry, token).then(setLink));
          }}
        >
          <label class="inline-label">
            {t('capture.library.linkFor')}
            <select data-testid="library-expiry" value={expiry} onChange={(e) => setExpiry(Number((e.target as HTMLSelectElement).value))}>
              {EXPIRIES.map((s) => (
                <option key={s} value={s}>
                  {t('capture.library.expiry', { hours: s / 3600 })}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="small" data-testid="library-share">
            {t('capture.library.share')}
          </button>
        </form>
      )}
      {link && (
        <div class="copy-row">
          <input readOnly data-testid="library-link" aria-label={t('capture.library.link')} value={link.url} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          <CopyButton text={link.url} label={t('capture.library.copy')} copiedLabel={t('capture.library.copied')} testid="library-copy" />
          <span class="dim small-text" data-testid="library-link-expires">
            {t('capture.library.expires', { when: formatDateTime(link.expiresAt) })}
          </span>
        </div>
      )}
      {error !== null && (
        <p class="hint error" role="alert">
          {errorText(error)}
        </p>
      )}
      {deleting && (
        <ConfirmDialog
          title={t('capture.library.deleteTitle')}
          text={t('capture.library.deleteText')}
          confirm={t('capture.library.delete')}
          cancel={t('capture.library.cancel')}
          danger
          confirmTestid="library-delete-confirm"
          onConfirm={() => void act(library.remove(meetingId, r.id, token).then(onDeleted))}
          close={() => setDeleting(false)}
        />
      )}
    </li>
  );
}
