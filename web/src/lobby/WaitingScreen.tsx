import { useState } from 'preact/hooks';
import { LIMITS } from '@parley/protocol';
import { sessionToken } from '../account/session.ts';
import type { Door } from '../core/session.ts';
import { t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';

/** The knocker's side of the waiting room: waiting, or told no (and free to ask again). */
export function WaitingScreen({ session, title }: { session: Door; title: string }) {
  const denied = session.status.value === 'denied';
  const reason = session.error.value;
  return (
    <div class="message-page" data-testid={denied ? 'denied' : 'waiting'}>
      <header class="page-corner">
        <Preferences sessionToken={sessionToken.value} />
      </header>
      <h1>{title || t('lobby.waiting.untitled')}</h1>
      {denied ? (
        <>
          <p>{reason ? t('lobby.waiting.deniedWithReason', { reason }) : t('lobby.waiting.denied')}</p>
          <button type="button" class="primary" data-testid="knock-again" onClick={() => void session.knockAgain()}>
            {t('lobby.waiting.askAgain')}
          </button>
        </>
      ) : (
        <>
          <div class="waiting-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </div>
          <p>{t('lobby.waiting.text')}</p>
          {session.passwordWouldAdmit.value && <PasswordForm session={session} optional />}
          <button type="button" class="link-btn" data-testid="cancel-knock" onClick={() => void session.cancelKnock()}>
            {t('lobby.waiting.leave')}
          </button>
        </>
      )}
    </div>
  );
}

/** The meeting's password: asked when required, offered while waiting (the right one may skip the wait). */
export function PasswordForm({ session, optional = false }: { session: Door; optional?: boolean }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="password-form"
      data-testid="password-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (value) session.submitPassword(value);
      }}
    >
      <label>
        {optional ? t('lobby.password.optional') : t('lobby.password.required')}
        <input type="password" data-testid="password-input" value={value} maxLength={LIMITS.passwordChars} autoFocus={!optional} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      </label>
      {!optional && session.error.value && (
        <p class="error" role="alert" data-testid="password-error">
          {session.error.value}
        </p>
      )}
      <button type="submit" class="primary" data-testid="password-submit" disabled={!value}>
        {t('lobby.password.join')}
      </button>
    </form>
  );
}
