import { useState } from 'preact/hooks';
import type { People } from '../core/session.ts';
import { t } from '../i18n/index.ts';
import type { ModerationStore } from '../moderation/store.ts';
import type { LobbyStore } from './store.ts';
import { knockSoundEnabled } from './knock.ts';

/** What this view needs of the meeting session (it is given the session itself). */
type LobbySession = People & { lobby: LobbyStore; moderation: ModerationStore };

/** Moderators only: who is knocking, with admit / deny for each and for all. */
export function LobbyPanel({ session }: { session: LobbySession }) {
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const waiting = session.lobby.knockers.value;
  if (!session.isModerator || waiting.length === 0) return null;
  return (
    <section class="lobby-card" aria-label={t('lobby.panel.label')} data-testid="lobby-panel">
      <header class="lobby-head">
        <strong>{t('lobby.panel.waiting', { count: waiting.length })}</strong>
        {waiting.length > 1 && (
          <button type="button" class="primary small" data-testid="admit-all" onClick={() => void session.moderation.moderate('lobby:admitAll', {})}>
            {t('lobby.panel.admitAll')}
          </button>
        )}
      </header>
      <ul class="lobby-list">
        {waiting.map((k) => (
          <li key={k.id} data-testid="knocker-row" data-participant-id={k.id}>
            <span class="person-name">{k.name}</span>
            <input
              class="reason"
              placeholder={t('lobby.panel.reasonPlaceholder')}
              aria-label={t('lobby.panel.reasonLabel', { name: k.name })}
              maxLength={200}
              value={reasons[k.id] ?? ''}
              onInput={(e) => setReasons({ ...reasons, [k.id]: (e.target as HTMLInputElement).value })}
            />
            <button type="button" class="primary small" data-testid="admit" onClick={() => void session.moderation.moderate('lobby:admit', { participantId: k.id })}>
              {t('lobby.panel.admit')}
            </button>
            <button
              type="button"
              class="small"
              data-testid="deny"
              onClick={() => void session.moderation.moderate('lobby:deny', reasons[k.id] ? { participantId: k.id, reason: reasons[k.id] } : { participantId: k.id })}
            >
              {t('lobby.panel.deny')}
            </button>
          </li>
        ))}
      </ul>
      <label class="sound-toggle">
        <input type="checkbox" data-testid="knock-sound" checked={knockSoundEnabled.value} onChange={(e) => (knockSoundEnabled.value = (e.target as HTMLInputElement).checked)} />
        {t('lobby.panel.knockSound')}
      </label>
    </section>
  );
}
