import { useState } from 'preact/hooks';
import { LIMITS, type MeetingCodeReply } from '@parley/protocol';
import { api, call } from '../core/api.ts';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';
import { Icon } from '../ui/icons.tsx';
import { lazyPage } from '../ui/lazy.tsx';
import { e2eeSupported } from '../e2ee/E2ee.ts';
import { ChevronRight as ChevronRightIcon } from 'lucide';
import './home.css';

/** Where the creator's encryption key waits for the meeting page (this tab only; it never reaches the server). */
export const startKeyStorage = (meetingId: string) => `parley:e2ee:${meetingId}`;

/** What people type for a code: digits, perhaps with spaces or dashes as it was read out. */
export function codeDigits(typed: string): string | null {
  const digits = typed.replace(/[\s\-.]/g, '');
  return /^[0-9]{9}$/.test(digits) ? digits : null;
}

/**
 * Start a meeting (the creator joins as moderator; the token is kept out of
 * the shared link), with the door set before anyone comes; or join one with
 * its code.
 */
/** An invitation's answer page (/calendar/rsvp/:token): reached through the last route, in a chunk of its own. */
const Rsvp = lazyPage(() => import('../calendar/Rsvp.tsx').then((m) => m.Rsvp), ['calendar', 'error']);

export function Home() {
  const rsvp = /^\/calendar\/rsvp\/([A-Za-z0-9_-]{20,100})\/?$/.exec(location.pathname);
  if (rsvp) return <Rsvp token={rsvp[1]!} />;
  return <HomePage />;
}

function HomePage() {
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [waitingRoom, setWaitingRoom] = useState(false);
  const [password, setPassword] = useState('');
  const [e2eeKey, setE2eeKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      // An untitled meeting is named in its creator's language (everyone then reads that name).
      const m = await api.createMeeting(title.trim() || t('home.untitled'), { waitingRoom, ...(password ? { password } : {}) });
      if (e2eeKey) sessionStorage.setItem(startKeyStorage(m.id), e2eeKey);
      location.assign(`/m/${m.id}?moderatorToken=${encodeURIComponent(m.moderatorToken)}`);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  const joinByCode = async () => {
    const digits = codeDigits(code);
    if (!digits) {
      setCodeError(t('home.code.invalid'));
      return;
    }
    setCodeError(null);
    try {
      const { id } = await call<MeetingCodeReply>('GET', `/api/meeting-codes/${digits}`);
      location.assign(`/m/${id}`);
    } catch (e) {
      setCodeError(errorText(e));
    }
  };
  return (
    <div class="home" data-testid="home">
      <header class="page-corner">
        <Preferences />
      </header>
      <h1>Parley</h1>
      <p class="dim">{t('home.tagline')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label class="field">
          {t('home.titleLabel')}
          <input data-testid="title-input" maxLength={LIMITS.titleChars} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        </label>
        <details class="advanced" data-testid="advanced-options">
          <summary>{t('home.advanced')}</summary>
          <div class="advanced-body">
            <label class="check">
              <input type="checkbox" data-testid="waiting-room-option" checked={waitingRoom} onChange={(e) => setWaitingRoom((e.target as HTMLInputElement).checked)} />
              {t('home.waitingRoom')}
            </label>
            <label class="field">
              {t('home.password')}
              <input type="password" autocomplete="new-password" data-testid="password-option" maxLength={LIMITS.passwordChars} value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
            </label>
            {e2eeSupported() && (
              <label class="field">
                {t('home.e2eeKey')}
                <input type="password" autocomplete="off" data-testid="e2ee-option" maxLength={256} value={e2eeKey} onInput={(e) => setE2eeKey((e.target as HTMLInputElement).value)} />
                <span class="hint dim">{t('home.e2eeHint')}</span>
              </label>
            )}
          </div>
        </details>
        <button type="submit" class="primary" data-testid="start-meeting" disabled={busy}>
          {t('home.start')}
        </button>
      </form>
      {error && <p class="hint error">{error}</p>}
      <form
        class="code-form"
        data-testid="code-form"
        onSubmit={(e) => {
          e.preventDefault();
          void joinByCode();
        }}
      >
        <label class="field">
          {t('home.code.label')}
          <div class="row">
            <input
              data-testid="code-input"
              inputMode="numeric"
              autocomplete="off"
              placeholder="123 456 789"
              maxLength={15}
              value={code}
              aria-invalid={codeError ? true : undefined}
              onInput={(e) => setCode((e.target as HTMLInputElement).value)}
            />
            <button type="submit" data-testid="code-join">
              {t('home.code.join')}
            </button>
          </div>
        </label>
        {codeError && (
          <p class="hint error" role="alert" data-testid="code-error">
            {codeError}
          </p>
        )}
      </form>
      <p>
        <a href="/chat" data-testid="team-chat-link" class="with-icon">
          {t('home.chatLink')}
          <Icon icon={ChevronRightIcon} size={16} />
        </a>
      </p>
    </div>
  );
}
