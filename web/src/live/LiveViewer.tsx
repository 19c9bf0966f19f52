import { useEffect, useRef, useState } from 'preact/hooks';
// The light build: a third smaller, and it plays our MPEG-TS H.264/AAC streams.
import Hls from 'hls.js/light';
import type { LiveStatusReply } from '@parley/protocol';
import { api, ApiError } from '../core/api.ts';
import { locale, t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';
import { PLAYER_CONFIG } from './player.ts';
import { Icon } from '../ui/icons.tsx';
import { Eye as EyeIcon, VolumeX as VolumeXIcon } from 'lucide';
import './live.css';

declare global {
  interface Window {
    /** The player, for the end-to-end tests and support. */
    parleyHls?: Hls;
  }
}

type ViewState = 'loading' | LiveStatusReply['state'] | 'not-found' | 'unsupported' | 'error';

/** While waiting for the stream to start, ask again this often. */
const POLL_MS = 2000;
/** While it plays: often enough to see it end and to be counted (a viewer counts for 30 s after a poll). */
const LIVE_POLL_MS = 10_000;

/** This page's random id: it is counted once among the viewers, however often it asks. */
const viewerId = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63]).join('');

/**
 * The public viewer page of a live stream (/live/<id>): no login, no
 * Socket.IO, nothing from the meeting but the HLS stream, which hls.js
 * fetches from the drive (the object store or its CDN). A missing segment
 * is skipped over; a fatal network or media error is recovered from.
 */
export function LiveViewer({ id }: { id: string }) {
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<ViewState>('loading');
  const [title, setTitle] = useState('');
  const [playlist, setPlaylist] = useState<string | null>(null);
  const [viewers, setViewers] = useState(0);
  // Browsers start a video muted unless the person has interacted: one tap brings the sound.
  const [muted, setMuted] = useState(true);

  // Status: "not started yet" -> live -> ended, from the small status file.
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const s = await api.live(id, viewerId);
        if (stopped) return;
        setTitle(s.title);
        setViewers(s.viewers);
        setState((prev) => (prev === 'unsupported' ? prev : s.state));
        if (s.playlistUrl) setPlaylist((p) => p ?? s.playlistUrl);
        if (s.state === 'ended') return;
        if (s.state === 'live') {
          timer = setTimeout(() => void poll(), LIVE_POLL_MS);
          return;
        }
      } catch (error) {
        if (stopped) return;
        if (error instanceof ApiError && error.code === 'NOT_FOUND') {
          setState('not-found');
          return;
        }
      }
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);

  useEffect(() => {
    const el = video.current;
    if (!playlist || !el) return;
    if (!Hls.isSupported()) {
      // Safari plays HLS itself.
      if (el.canPlayType('application/vnd.apple.mpegurl')) {
        el.src = playlist;
        void el.play().catch(() => undefined);
      } else setState('unsupported');
      return;
    }
    const hls = new Hls({ ...PLAYER_CONFIG, manifestLoadingMaxRetry: 6, levelLoadingMaxRetry: 6, fragLoadingMaxRetry: 4 });
    window.parleyHls = hls;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return; // hls.js retries and skips a missing segment by itself
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else setState('error');
    });
    hls.loadSource(playlist);
    hls.attachMedia(el);
    hls.on(Hls.Events.MANIFEST_PARSED, () => void el.play().catch(() => undefined));
    return () => hls.destroy();
  }, [playlist]);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    const onVolume = () => setMuted(el.muted || el.volume === 0);
    el.addEventListener('volumechange', onVolume);
    return () => el.removeEventListener('volumechange', onVolume);
  }, []);
  const unmute = () => {
    const el = video.current;
    if (!el) return;
    el.muted = false;
    void el.play().catch(() => undefined);
  };
  const playing = state === 'live' || state === 'ended';

  return (
    <main class="live-page" data-testid="live-page" data-state={state}>
      <header class="live-head">
        <h1>{title || t('live.page.untitled')}</h1>
        {state === 'live' && (
          <span class="capture-badge live" data-testid="live-badge">
            {t('live.page.live')}
          </span>
        )}
        {state === 'live' && viewers > 0 && (
          <span class="live-viewers dim" data-testid="live-viewers" data-count={viewers}>
            <Icon icon={EyeIcon} size={16} /> {t('live.page.viewers', { count: viewers.toLocaleString(locale.value) })}
          </span>
        )}
        <Preferences />
      </header>
      {state === 'loading' && <p class="dim">{t('live.page.loading')}</p>}
      {state === 'waiting' && <p data-testid="live-waiting">{t('live.page.waiting')}</p>}
      {state === 'ended' && <p data-testid="live-ended">{t('live.page.ended')}</p>}
      {state === 'not-found' && <p data-testid="live-not-found">{t('live.page.notFound')}</p>}
      {state === 'unsupported' && <p>{t('live.page.unsupported')}</p>}
      {state === 'error' && <p>{t('live.page.error')}</p>}
      <div class="live-stage" hidden={!playing}>
        <video ref={video} data-testid="live-video" aria-label={title || t('live.page.untitled')} controls muted playsInline />
        {state === 'live' && muted && (
          <button type="button" class="live-unmute" data-testid="live-unmute" onClick={unmute}>
            <Icon icon={VolumeXIcon} size={20} /> {t('live.page.unmute')}
          </button>
        )}
      </div>
    </main>
  );
}
