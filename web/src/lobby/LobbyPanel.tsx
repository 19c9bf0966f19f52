import { useState } from 'preact/hooks';
import type { People } from '../core/session.ts';
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
    <section class="lobby-card" aria-label="Waiting room" data-testid="lobby-panel">
      <header class="lobby-head">
        <strong>{waiting.length === 1 ? '1 person is waiting' : `${waiting.length} people are waiting`}</strong>
        {waiting.length > 1 && (
          <button type="button" class="primary small" data-testid="admit-all" onClick={() => void session.moderation.moderate('lobby:admitAll', {})}>
            Admit all
          </button>
        )}
      </header>
      <ul class="lobby-list">
        {waiting.map((k) => (
          <li key={k.id} data-testid="knocker-row" data-participant-id={k.id}>
            <span class="person-name">{k.name}</span>
            <input
              class="reason"
              placeholder="Reason (optional)"
              maxLength={200}
              value={reasons[k.id] ?? ''}
              onInput={(e) => setReasons({ ...reasons, [k.id]: (e.target as HTMLInputElement).value })}
            />
            <button type="button" class="primary small" data-testid="admit" onClick={() => void session.moderation.moderate('lobby:admit', { participantId: k.id })}>
              Admit
            </button>
            <button
              type="button"
              class="small"
              data-testid="deny"
              onClick={() => void session.moderation.moderate('lobby:deny', reasons[k.id] ? { participantId: k.id, reason: reasons[k.id] } : { participantId: k.id })}
            >
              Deny
            </button>
          </li>
        ))}
      </ul>
      <label class="sound-toggle">
        <input type="checkbox" data-testid="knock-sound" checked={knockSoundEnabled.value} onChange={(e) => (knockSoundEnabled.value = (e.target as HTMLInputElement).checked)} />
        Knock sound
      </label>
    </section>
  );
}
