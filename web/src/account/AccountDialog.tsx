// One's account: the password, changed by typing the current one. Every
// other signed-in device is signed out by the change.
import { useState } from 'preact/hooks';
import { api } from '../core/api.ts';
import { Dialog } from '../ui/Dialog.tsx';
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
    <Dialog title="Account" close={close}>
      <form
        class="dialog-form"
        data-testid="change-password"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setDone(false);
          if (!current) return setError('Enter your current password.');
          if (Array.from(password).length < 8) return setError('A new password has at least 8 characters.');
          if (password !== again) return setError('The two new passwords are not the same.');
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
              setError(formError(e));
              setBusy(false);
            },
          );
        }}
      >
        <h3>Change your password</h3>
        <label>
          Current password
          <input data-testid="current-password" type="password" autoComplete="current-password" value={current} onInput={(e) => setCurrent((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          New password <span class="dim">(8 characters or more; a few unrelated words are strong)</span>
          <input data-testid="new-password" type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          The new password again
          <input data-testid="new-password-again" type="password" autoComplete="new-password" value={again} onInput={(e) => setAgain((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" data-testid="change-password-submit" disabled={busy}>
          Change password
        </button>
        {error && (
          <p class="hint error" data-testid="account-error">
            {error}
          </p>
        )}
        {done && (
          <p class="hint" role="status" data-testid="password-changed">
            Your password is changed. Your other devices are signed out.
          </p>
        )}
      </form>
    </Dialog>
  );
}
