// One's contact details as the organization's directory shows them: the
// phone number, and the e-mail address (it signs in and receives resets, so
// changing it asks for the account password).
import { useEffect, useState } from 'preact/hooks';
import type { MeView } from '@parley/protocol';
import { ApiError, call } from '../core/api.ts';
import { t } from '../i18n/index.ts';
import { formError } from './messages.ts';
import { sessionToken } from './session.ts';

export function ContactDetails() {
  const [me, setMe] = useState<MeView | null>(null);
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [note, setNote] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const token = sessionToken.value!;
  useEffect(() => {
    void call<{ user: MeView }>('GET', '/api/me', undefined, token).then(({ user }) => {
      setMe(user);
      setPhone(user.phone);
      setEmail(user.email);
    });
  }, [token]);
  if (!me) return null;
  const save = async (what: () => Promise<{ user: MeView }>, done: string) => {
    setBusy(true);
    setNote(null);
    try {
      const { user } = await what();
      setMe(user);
      setPassword('');
      setNote({ error: false, text: done });
    } catch (e) {
      setNote({ error: true, text: e instanceof ApiError && e.code === 'INVALID_CREDENTIALS' ? t('account.details.passwordWrong') : formError(e) });
    } finally {
      setBusy(false);
    }
  };
  const emailChanged = email.trim().toLowerCase() !== me.email;
  return (
    <form
      class="dialog-form contact-details"
      data-testid="contact-details"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (emailChanged) void save(() => call('PUT', '/api/me/email', { email: email.trim(), password }, token), t('account.details.saved'));
        else void save(() => call('PATCH', '/api/me', { phone: phone.trim() }, token), t('account.details.saved'));
      }}
    >
      <h3>{t('account.details.heading')}</h3>
      <p class="dim small">{t('account.details.hint')}</p>
      <label>
        {t('account.details.phone')}
        <input data-testid="my-phone" type="tel" autoComplete="tel" value={phone} disabled={emailChanged} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t('account.details.email')}
        <input data-testid="my-email" type="email" autoComplete="email" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
      </label>
      {emailChanged && (
        <label>
          {t('account.details.password')}
          <input data-testid="my-email-password" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
      )}
      <button type="submit" class="primary" data-testid="save-details" disabled={busy || (!emailChanged && phone.trim() === me.phone)}>
        {emailChanged ? t('account.details.saveEmail') : t('account.details.save')}
      </button>
      {note && (
        <p class={note.error ? 'hint error' : 'hint'} role={note.error ? undefined : 'status'} data-testid="details-note">
          {note.text}
        </p>
      )}
    </form>
  );
}
