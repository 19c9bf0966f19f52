import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../core/api.ts';
import { describeMediaError, getCameraTrack, getMicTrack } from './devices.ts';
import { Prejoin, type PrejoinResult } from './Prejoin.tsx';
import { Room } from './Room.tsx';
import { PasswordForm, WaitingScreen } from '../lobby/WaitingScreen.tsx';
import { knocksPlayed } from '../lobby/knock.ts';
import { captureSignalsPlayed } from '../capture/signal.ts';
import { handChimesPlayed } from './toasts.ts';
import { testSoundsPlayed } from './output.ts';
import { MeetingSession } from './session.ts';
import { sessionToken } from '../account/session.ts';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';
import './room.css';
import { RecordingsPage } from '../capture/RecordingsPage.tsx';
import { startKeyStorage } from '../home/Home.tsx';

declare global {
  interface Window {
    /** Debug handle (statistics, state) used by the end-to-end tests and support. */
    parley?: { session: MeetingSession; knocks: () => number; captureSignals: () => number; handChimes: () => number; testSounds: () => number };
  }
}

/**
 * /m/<id>: URL options follow Jitsi's habits: ?name=Alice sets the name,
 * &prejoin=0 joins at once with camera and microphone on, &moderatorToken=...
 * joins as moderator (and is removed from the address bar), &codec=h264.
 * /m/<id>/recordings: the meeting's recordings library.
 */
export function MeetingPage({ id, library }: { id: string; library: boolean }) {
  return library ? <RecordingsPage id={id} /> : <Meeting id={id} />;
}

function Meeting({ id }: { id: string }) {
  const params = useMemo(() => new URLSearchParams(location.search), []);
  const session = useMemo(() => new MeetingSession(id), [id]);
  const [title, setTitle] = useState('');
  const [missing, setMissing] = useState<unknown>(null);
  const moderatorToken = useMemo(() => {
    const key = `parley:moderator:${id}`;
    const fromUrl = params.get('moderatorToken');
    if (fromUrl) {
      sessionStorage.setItem(key, fromUrl);
      params.delete('moderatorToken');
      const rest = params.toString();
      history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}`);
    }
    return fromUrl ?? sessionStorage.getItem(key) ?? undefined;
  }, [id]);
  const codec = params.get('codec') === 'h264' ? 'h264' : 'vp8';
  const initialName = params.get('name') ?? localStorage.getItem('parley:name') ?? '';
  const skipPrejoin = params.get('prejoin') === '0' && initialName.trim() !== '';

  useEffect(() => {
    window.parley = { session, knocks: () => knocksPlayed.value, captureSignals: () => captureSignalsPlayed.value, handChimes: () => handChimesPlayed.value, testSounds: () => testSoundsPlayed.value };
    api.meeting(id).then(
      (m) => {
        setTitle(m.title);
        session.code.value = m.code;
        session.preload(m.routerRtpCapabilities as never);
        // The pre-join screen shows the name we will most likely join under.
        if (!skipPrejoin) session.prepare(initialName, moderatorToken);
      },
      (e: unknown) => setMissing(e ?? new Error()),
    );
    const onUnload = () => void session.leave({ unload: true });
    // Back from the browser's page cache: the server saw us leave; start again (as the same participant).
    const onShow = (e: PageTransitionEvent) => e.persisted && location.reload();
    window.addEventListener('pagehide', onUnload);
    window.addEventListener('pageshow', onShow);
    return () => {
      window.removeEventListener('pagehide', onUnload);
      window.removeEventListener('pageshow', onShow);
    };
  }, [id]);

  const join = (r: PrejoinResult) => void session.join({ ...r, moderatorToken, codec });

  useEffect(() => {
    if (!skipPrejoin || missing) return;
    // Straight in with camera and microphone on; a refused device is reported and left out.
    void (async () => {
      const [mic, camera] = await Promise.allSettled([getMicTrack(), getCameraTrack()]);
      await session.join({ name: initialName.trim(), moderatorToken, codec, mic: mic.status === 'fulfilled' ? mic.value : null, camera: camera.status === 'fulfilled' ? camera.value : null });
      const problems = [
        mic.status === 'rejected' ? describeMediaError(mic.reason, 'microphone') : null,
        camera.status === 'rejected' ? describeMediaError(camera.reason, 'camera') : null,
      ].filter(Boolean);
      if (problems.length) session.notice.value = problems.join(' ');
    })();
  }, [skipPrejoin, missing]);

  const status = session.status.value;
  // Once the join has gone past the pre-join screen (a password, the waiting
  // room), joining again shows the "Joining" page, not a new pre-join screen.
  const pastPrejoin = useRef(false);
  if (status !== 'idle' && status !== 'joining') pastPrejoin.current = true;
  // The key the creator chose on the home page: encryption starts as soon as we are in.
  useEffect(() => {
    const key = sessionStorage.getItem(startKeyStorage(id));
    if (status !== 'joined' || !key) return;
    // Once: turned off later, it stays off (a reconnection must not turn it on again).
    sessionStorage.removeItem(startKeyStorage(id));
    if (!session.e2ee.enabled.value) void session.e2ee.setPassphrase(key);
  }, [status]);
  // The text is made at render time, so it follows a language change.
  if (missing) return <Message title={t('meeting.page.unavailable')} text={missing instanceof ApiError && missing.code === 'MEETING_NOT_FOUND' ? t('meeting.page.notFound') : missing instanceof ApiError ? errorText(missing) : t('error.network')} />;
  if (status === 'joined' || status === 'reconnecting') return <Room session={session} onLeave={() => void session.leave()} />;
  if (status === 'waiting' || status === 'denied') return <WaitingScreen session={session} title={title} />;
  if (status === 'password') {
    return (
      <div class="message-page" data-testid="password-page">
        <Corner />
        <h1>{title || t('meeting.page.defaultTitle')}</h1>
        <PasswordForm session={session} />
      </div>
    );
  }
  if (status === 'kicked') {
    return <Message title={t('meeting.page.removed')} text={session.error.value ?? ''} action={{ label: t('meeting.page.askBack'), onClick: () => location.reload() }} testid="kicked" />;
  }
  if (status === 'left') return <Message title={t('meeting.page.left')} text="" action={{ label: t('meeting.page.rejoin'), onClick: () => location.reload() }} testid="left" />;
  if (status === 'ended' || status === 'replaced' || status === 'failed') {
    return <Message title={status === 'failed' ? t('meeting.page.couldNotJoin') : t('meeting.page.closed')} text={session.error.value ?? ''} action={{ label: t('meeting.page.joinAgain'), onClick: () => location.reload() }} testid={status} />;
  }
  // From the pre-join screen, it stays (its button says "Joining…") until the
  // room replaces it: one page change, not two, in the middle of the join.
  if (skipPrejoin || (status === 'joining' && pastPrejoin.current)) return <Message title={t('meeting.page.joining')} text="" testid="joining" />;
  return <Prejoin title={title} initialName={initialName} onJoin={join} />;
}

function Message({ title, text, action, testid }: { title: string; text: string; action?: { label: string; onClick: () => void }; testid?: string }) {
  return (
    <div class="message-page" data-testid={testid ?? 'message'}>
      <Corner />
      <h1>{title}</h1>
      {text && <p>{text}</p>}
      {action && (
        <button type="button" class="primary" onClick={action.onClick}>
          {action.label}
        </button>
      )}
      <a href="/">{t('meeting.page.newMeeting')}</a>
    </div>
  );
}

/** The language and theme menu, in the corner of the pages around the meeting. */
function Corner() {
  return (
    <header class="page-corner">
      <Preferences sessionToken={sessionToken.value} />
    </header>
  );
}
