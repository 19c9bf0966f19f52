import { useState } from 'preact/hooks';
import { LIMITS } from '@parley/protocol';
import { api } from '../core/api.ts';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';
import { Icon } from '../ui/icons.tsx';
import { ChevronRight as ChevronRightIcon } from 'lucide';

/** Start a meeting: the creator joins as moderator (token kept out of the shared link). */
export function Home() {
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [waitingRoom, setWaitingRoom] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      // An untitled meeting is named in its creator's language (everyone then reads that name).
      const m = await api.createMeeting(title.trim() || t('home.untitled'), { waitingRoom });
      location.assign(`/m/${m.id}?moderatorToken=${encodeURIComponent(m.moderatorToken)}`);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
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
        <label class="check">
          <input type="checkbox" data-testid="waiting-room-option" checked={waitingRoom} onChange={(e) => setWaitingRoom((e.target as HTMLInputElement).checked)} />
          {t('home.waitingRoom')}
        </label>
        <button type="submit" class="primary" data-testid="start-meeting" disabled={busy}>
          {t('home.start')}
        </button>
      </form>
      {error && <p class="hint error">{error}</p>}
      <p>
        <a href="/chat" data-testid="team-chat-link" class="with-icon">
          {t('home.chatLink')}
          <Icon icon={ChevronRightIcon} size={16} />
        </a>
      </p>
    </div>
  );
}
