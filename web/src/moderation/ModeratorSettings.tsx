import { useState } from 'preact/hooks';
import { LIMITS, type MeetingSettings } from '@parley/protocol';
import type { People } from '../core/session.ts';
import type { ModerationStore } from './store.ts';

/** What this view needs of the meeting session (it is given the session itself). */
type ModerationSession = People & { moderation: ModerationStore };

type Flag = Exclude<keyof MeetingSettings, 'passwordSet' | 'layout'>;
const FLAGS: [Flag, string][] = [
  ['waitingRoom', 'Waiting room: a moderator lets people in'],
  ['passwordSkipsWaitingRoom', 'The right password skips the waiting room'],
  ['startMuted', 'Everyone starts muted'],
  ['startCameraOff', 'Everyone starts with the camera off'],
  ['audioModeration', 'Only allowed people may unmute'],
  ['videoModeration', 'Only allowed people may show video or share'],
  ['followMe', 'Everyone follows my layout'],
  ['reactionSounds', 'Reaction sounds for everyone'],
];

/** The meeting's rules, for moderators (the server refuses anyone else). */
export function ModeratorSettings({ session }: { session: ModerationSession }) {
  const [password, setPassword] = useState('');
  const s = session.moderation.settings.value;
  if (!session.isModerator || !s) return null;
  return (
    <section class="mod-settings" data-testid="moderator-settings">
      <h3>Moderation</h3>
      {FLAGS.map(([key, label]) => (
        <label key={key} class="check">
          <input type="checkbox" data-testid={`setting-${key}`} checked={s[key]} onChange={(e) => {
              const on = (e.target as HTMLInputElement).checked;
              // Turning "follow me" on shares the layout this moderator sees now.
              void session.moderation.moderate('moderation:settings', key === 'followMe' && on ? { followMe: true, layout: session.moderation.localLayout.value } : { [key]: on });
            }}
          />
          {label}
        </label>
      ))}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!password) return;
          void session.moderation.moderate('moderation:setPassword', { password }).then((ok) => ok && setPassword(''));
        }}
      >
        <input
          type="password"
          data-testid="set-password-input"
          placeholder={s.passwordSet ? 'New password' : 'Meeting password'}
          maxLength={LIMITS.passwordChars}
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
        <button type="submit" data-testid="set-password" disabled={!password}>
          {s.passwordSet ? 'Change' : 'Set'}
        </button>
        {s.passwordSet && (
          <button type="button" data-testid="remove-password" onClick={() => void session.moderation.moderate('moderation:setPassword', { password: null })}>
            Remove
          </button>
        )}
      </form>
      <p class="hint dim">{s.passwordSet ? 'This meeting has a password.' : 'No password.'}</p>
      <ModeratorLink session={session} />
    </section>
  );
}

/**
 * For moderators by right (the moderator link, or the organizer's account):
 * a new moderator link, when the old one went further than it should. The
 * old link stops working; the new one is shown once, to copy.
 */
function ModeratorLink({ session }: { session: ModerationSession }) {
  const [link, setLink] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!session.moderation.moderatorBy.value) return null;
  const make = async () => {
    setBusy(true);
    setError(null);
    try {
      setLink(await session.moderation.newModeratorLink());
    } catch (e) {
      setError(`Could not make a new link: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="mod-link">
      <h4>Moderator link</h4>
      <p class="hint dim">Whoever opens the moderator link joins as moderator and sees the meeting’s recordings. If it went further than it should, make a new one: the old link stops working.</p>
      <button type="button" data-testid="new-moderator-link" disabled={busy} onClick={() => void make()}>
        New moderator link
      </button>
      {link && (
        <div class="row">
          <input readOnly aria-label="New moderator link" data-testid="moderator-link" value={link} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          <button type="button" onClick={() => void navigator.clipboard?.writeText(link)}>
            Copy
          </button>
        </div>
      )}
      {error && (
        <p class="hint error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
