import { useState } from 'preact/hooks';
import { LIMITS } from '@parley/protocol';
import type { Door } from '../core/session.ts';

/** The knocker's side of the waiting room: waiting, or told no (and free to ask again). */
export function WaitingScreen({ session, title }: { session: Door; title: string }) {
  const denied = session.status.value === 'denied';
  return (
    <div class="message-page" data-testid={denied ? 'denied' : 'waiting'}>
      <h1>{title || 'Meeting'}</h1>
      {denied ? (
        <>
          <p>A moderator did not let you in{session.error.value ? `: ${session.error.value}` : '.'}</p>
          <button type="button" class="primary" data-testid="knock-again" onClick={() => void session.knockAgain()}>
            Ask again
          </button>
        </>
      ) : (
        <>
          <div class="waiting-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </div>
          <p>You are in the waiting room. A moderator will let you in shortly.</p>
          {session.passwordWouldAdmit.value && <PasswordForm session={session} optional />}
          <button type="button" class="link-btn" data-testid="cancel-knock" onClick={() => void session.cancelKnock()}>
            Leave the waiting room
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
        {optional ? 'Have the meeting password? Enter it to join without waiting.' : 'This meeting needs a password'}
        <input type="password" data-testid="password-input" value={value} maxLength={LIMITS.passwordChars} autoFocus={!optional} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      </label>
      {!optional && session.error.value && (
        <p class="error" role="alert" data-testid="password-error">
          {session.error.value}
        </p>
      )}
      <button type="submit" class="primary" data-testid="password-submit" disabled={!value}>
        Join
      </button>
    </form>
  );
}
