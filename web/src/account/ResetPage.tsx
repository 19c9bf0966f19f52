// /chat/reset/<token>: the link of a password reset e-mail. A new password,
// typed twice; the link works once, and every other session of the account
// ends (the server says so by signing them out).
import { useState } from 'preact/hooks';
import { api } from '../core/api.ts';
import { t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';
import { formError } from './messages.ts';
import { signedIn } from './session.ts';

export function ResetPage({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div class="home auth" data-testid="reset-page">
      <header class="page-corner">
        <Preferences />
      </header>
      <h1>{t('account.reset.title')}</h1>
      <form
        class="auth-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (Array.from(password).length < 8) return setError(t('account.field.password'));
          if (password !== again) return setError(t('account.password.mismatch'));
          setBusy(true);
          setError(null);
          api.confirmReset(token, password).then(
            (reply) => {
              signedIn(reply);
              location.assign('/chat');
            },
            (e: unknown) => {
              setError(formError(e));
              setBusy(false);
            },
          );
        }}
      >
        <label>
          {t('account.password.new')} <span class="dim">{t('account.password.hint')}</span>
          <input data-testid="new-password" type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('account.reset.again')}
          <input data-testid="new-password-again" type="password" autoComplete="new-password" value={again} onInput={(e) => setAgain((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" data-testid="reset-confirm" disabled={busy}>
          {t('account.reset.confirm')}
        </button>
      </form>
      {error && (
        <p class="hint error" data-testid="auth-error">
          {error}
        </p>
      )}
      <p class="dim">
        <a href="/chat">{t('account.reset.back')}</a>
      </p>
    </div>
  );
}
