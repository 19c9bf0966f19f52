// App passwords: what a phone, Thunderbird or a sync tool signs in with
// (CalDAV, CardDAV), never the account password, as kSuite and Nextcloud
// have them. One per device, named after it; the secret is shown once, when
// made, after the account password is typed (a session left open is not
// enough); revoking one ends that device's access only. A new password, a
// reset or "sign out everywhere" ends them all.
import { useEffect, useState } from 'preact/hooks';
import type { AppPasswordView, NewAppPasswordReply } from '@parley/protocol';
import { api, ApiError } from '../core/api.ts';
import { formatDate } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { CopyButton } from '../ui/CopyButton.tsx';
import { formError } from './messages.ts';
import { sessionToken } from './session.ts';
import './app-passwords.css';

export function AppPasswords() {
  const [list, setList] = useState<AppPasswordView[] | null>(null);
  const [username, setUsername] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [made, setMade] = useState<NewAppPasswordReply | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const token = sessionToken.value!;
  useEffect(() => {
    api.appPasswords(token).then((r) => setList(r.appPasswords), (e: unknown) => setError(formError(e)));
    api.me(token).then((r) => setUsername(r.user.username), () => undefined);
  }, [token]);
  return (
    <section class="app-passwords" data-testid="app-passwords" aria-labelledby="app-passwords-heading">
      <h3 id="app-passwords-heading">{t('account.apps.heading')}</h3>
      <p class="dim">{t('account.apps.explain')}</p>
      <form
        class="app-password-new"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!name.trim()) return setError(t('account.apps.nameMissing'));
          if (!password) return setError(t('account.apps.passwordMissing'));
          setBusy(true);
          setError(null);
          api.createAppPassword(name.trim(), password, token).then(
            (r) => {
              setMade(r);
              setList((l) => [...(l ?? []), r.appPassword]);
              setName('');
              setPassword('');
              setBusy(false);
            },
            (e: unknown) => {
              // The only password asked for here is the account's: say so.
              setError(e instanceof ApiError && e.code === 'INVALID_CREDENTIALS' ? t('account.dialog.currentWrong') : formError(e));
              setBusy(false);
            },
          );
        }}
      >
        <label>
          {t('account.apps.name')}
          <input data-testid="app-password-name" maxLength={64} placeholder={t('account.apps.namePlaceholder')} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('account.apps.password')}
          <input data-testid="app-password-account-password" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" data-testid="app-password-create" disabled={busy}>
          {t('account.apps.create')}
        </button>
      </form>
      {made && (
        <div class="app-secret" role="status" data-testid="app-password-made">
          <p>{t('account.apps.shownOnce', { name: made.appPassword.name })}</p>
          <div class="app-secret-row">
            <code data-testid="app-password-secret">{made.secret}</code>
            <CopyButton text={made.secret} label={t('account.apps.copy')} copiedLabel={t('account.apps.copied')} testid="app-password-copy" />
          </div>
          {username && <p class="dim">{t('account.apps.username', { username })}</p>}
        </div>
      )}
      {error && (
        <p class="hint error" data-testid="app-password-error">
          {error}
        </p>
      )}
      {list && list.length === 0 && <p class="dim" data-testid="app-passwords-none">{t('account.apps.none')}</p>}
      {list && list.length > 0 && (
        <ul class="app-password-list" data-testid="app-password-list">
          {list.map((a) => (
            <li key={a.id} data-testid="app-password-item" data-name={a.name}>
              <span class="app-password-name">{a.name}</span>
              <span class="dim">
                {a.lastUsedAt ? t('account.apps.used', { created: formatDate(a.createdAt), used: formatDate(a.lastUsedAt) }) : t('account.apps.unused', { created: formatDate(a.createdAt) })}
              </span>
              <button
                type="button"
                class="small"
                data-testid="app-password-revoke"
                aria-label={t('account.apps.revokeNamed', { name: a.name })}
                onClick={() =>
                  api.revokeAppPassword(a.id, token).then(
                    () => {
                      setList((l) => (l ?? []).filter((x) => x.id !== a.id));
                      if (made?.appPassword.id === a.id) setMade(null);
                    },
                    (e: unknown) => setError(formError(e)),
                  )
                }
              >
                {t('account.apps.revoke')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
