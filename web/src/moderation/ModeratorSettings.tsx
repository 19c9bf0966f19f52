import { useState } from 'preact/hooks';
import { LIMITS, type MeetingSettings } from '@parley/protocol';
import type { People } from '../core/session.ts';
import { errorText } from '../i18n/errors.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import type { ModerationStore } from './store.ts';

/** What this view needs of the meeting session (it is given the session itself). */
type ModerationSession = People & { moderation: ModerationStore };

type Flag = Exclude<keyof MeetingSettings, 'passwordSet' | 'layout' | 'layoutPush'>;
const FLAGS: [Flag, MessageKey][] = [
  ['waitingRoom', 'moderation.settings.waitingRoom'],
  ['passwordSkipsWaitingRoom', 'moderation.settings.passwordSkipsWaitingRoom'],
  ['startMuted', 'moderation.settings.startMuted'],
  ['startCameraOff', 'moderation.settings.startCameraOff'],
  ['audioModeration', 'moderation.settings.audioModeration'],
  ['videoModeration', 'moderation.settings.videoModeration'],
  ['followMe', 'moderation.settings.followMe'],
  ['recordLayout', 'moderation.settings.recordLayout'],
  ['reactionSounds', 'moderation.settings.reactionSounds'],
];

/** The meeting's rules, for moderators (the server refuses anyone else). */
export function ModeratorSettings({ session }: { session: ModerationSession }) {
  const [password, setPassword] = useState('');
  const s = session.moderation.settings.value;
  if (!session.isModerator || !s) return null;
  const passwordLabel = s.passwordSet ? t('moderation.password.new') : t('moderation.password.meeting');
  return (
    <section class="mod-settings" data-testid="moderator-settings">
      <h3>{t('moderation.settings.title')}</h3>
      {FLAGS.map(([key, label]) => (
        <label key={key} class="check">
          <input type="checkbox" data-testid={`setting-${key}`} checked={s[key]} onChange={(e) => {
              const on = (e.target as HTMLInputElement).checked;
              // Turning "follow me" on shares the layout this moderator sees now.
              // Turning "follow me" (or "the recording uses my display") on shares the layout this moderator sees now.
              void session.moderation.moderate('moderation:settings', (key === 'followMe' || key === 'recordLayout') && on ? { [key]: true, layout: session.moderation.localLayout.value } : { [key]: on });
            }}
          />
          {t(label)}
        </label>
      ))}
      {s.followMe && (
        <button type="button" class="small" data-testid="push-layout" onClick={() => void session.moderation.moderate('moderation:pushLayout', {})}>
          {t('moderation.settings.pushLayout')}
        </button>
      )}
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
          placeholder={passwordLabel}
          aria-label={passwordLabel}
          maxLength={LIMITS.passwordChars}
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
        <button type="submit" data-testid="set-password" disabled={!password}>
          {s.passwordSet ? t('moderation.password.change') : t('moderation.password.set')}
        </button>
        {s.passwordSet && (
          <button type="button" data-testid="remove-password" onClick={() => void session.moderation.moderate('moderation:setPassword', { password: null })}>
            {t('moderation.password.remove')}
          </button>
        )}
      </form>
      <p class="hint dim">{s.passwordSet ? t('moderation.password.isSet') : t('moderation.password.none')}</p>
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
      setError(t('moderation.link.failed', { reason: errorText(e) }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="mod-link">
      <h4>{t('moderation.link.title')}</h4>
      <p class="hint dim">{t('moderation.link.explain')}</p>
      <button type="button" data-testid="new-moderator-link" disabled={busy} onClick={() => void make()}>
        {t('moderation.link.new')}
      </button>
      {link && (
        <div class="row">
          <input readOnly aria-label={t('moderation.link.new')} data-testid="moderator-link" value={link} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          <button type="button" onClick={() => void navigator.clipboard?.writeText(link)}>
            {t('moderation.link.copy')}
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
