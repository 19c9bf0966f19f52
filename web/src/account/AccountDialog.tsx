// One's account: one's phone and e-mail address (ContactDetails.tsx), the
// password, changed by typing the current one (every other signed-in device
// is signed out by the change), and the app passwords of one's devices
// (AppPasswords.tsx).
import { useState } from 'preact/hooks';
import { api, ApiError } from '../core/api.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { AppPasswords } from './AppPasswords.tsx';
import { ContactDetails } from './ContactDetails.tsx';
import { formError } from './messages.ts';
import { sessionToken } from './session.ts';

export function AccountDialog({ close }: { close: () => void }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={t('account.dialog.title')} close={close}>
      <ContactDetails />
      <form
        class="dialog-form"
        data-testid="change-password"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setDone(false);
          if (!current) return setError(t('account.field.current'));
          if (Array.from(password).length < 8) return setError(t('account.password.newTooShort'));
          if (password !== again) return setError(t('account.password.newMismatch'));
          setBusy(true);
          setError(null);
          api.changePassword(current, password, sessionToken.value!).then(
            () => {
              setDone(true);
              setCurrent('');
              setPassword('');
              setAgain('');
              setBusy(false);
            },
            (e: unknown) => {
              // Here the only password asked for is the current one: say which was wrong.
              setError(e instanceof ApiError && e.code === 'INVALID_CREDENTIALS' ? t('account.dialog.currentWrong') : formError(e));
              setBusy(false);
            },
          );
        }}
      >
        <h3>{t('account.dialog.heading')}</h3>
        <label>
          {t('account.dialog.current')}
          <input data-testid="current-password" type="password" autoComplete="current-password" value={current} onInput={(e) => setCurrent((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('account.password.new')} <span class="dim">{t('account.password.hint')}</span>
          <input data-testid="new-password" type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('account.dialog.again')}
          <input data-testid="new-password-again" type="password" autoComplete="new-password" value={again} onInput={(e) => setAgain((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" data-testid="change-password-submit" disabled={busy}>
          {t('account.dialog.submit')}
        </button>
        {error && (
          <p class="hint error" data-testid="account-error">
            {error}
          </p>
        )}
        {done && (
          <p class="hint" role="status" data-testid="password-changed">
            {t('account.dialog.changed')}
          </p>
        )}
      </form>
      <AppPasswords />
    </Dialog>
  );
}
