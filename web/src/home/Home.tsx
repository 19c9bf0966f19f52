import { useState } from 'preact/hooks';
import { LIMITS } from '@parley/protocol';
import { api } from '../core/api.ts';

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
      const m = await api.createMeeting(title.trim() || undefined, { waitingRoom });
      location.assign(`/m/${m.id}?moderatorToken=${encodeURIComponent(m.moderatorToken)}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <div class="home" data-testid="home">
      <h1>Parley</h1>
      <p class="dim">Video meetings and team chat you host yourself.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <input data-testid="title-input" placeholder="Meeting title (optional)" maxLength={LIMITS.titleChars} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        <label class="check">
          <input type="checkbox" data-testid="waiting-room-option" checked={waitingRoom} onChange={(e) => setWaitingRoom((e.target as HTMLInputElement).checked)} />
          Waiting room: I let people in
        </label>
        <button type="submit" class="primary" data-testid="start-meeting" disabled={busy}>
          Start a meeting
        </button>
      </form>
      {error && <p class="hint error">{error}</p>}
      <p>
        <a href="/chat" data-testid="team-chat-link">
          Team chat →
        </a>
      </p>
    </div>
  );
}
