// Sign in, create an account (with a new organization), or accept an
// invitation link (/chat/invite/<token>): signed-in people join at once,
// others create their account into the organization.
import { useEffect, useState } from 'preact/hooks';
import { LANGUAGES, type Language } from '@parley/protocol';
import { api } from '../core/api.ts';
import { formError, isEmailAddress, signupProblem } from './messages.ts';
import { sessionToken, signedIn } from './session.ts';

const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', fr: 'Français', de: 'Deutsch', it: 'Italiano', es: 'Español' };
const browserLanguage = (): Language => (LANGUAGES as readonly string[]).find((l) => navigator.language.startsWith(l)) as Language | undefined ?? 'en';

export function AuthPage({ invitation }: { invitation?: string }) {
  const [mode, setMode] = useState<'login' | 'signup' | 'reset'>(invitation ? 'signup' : 'login');
  const [resetSent, setResetSent] = useState(false);
  const [invite, setInvite] = useState<{ orgName: string; role: string; email: string | null } | null | 'bad'>(null);
  const [form, setForm] = useState({ login: '', email: '', username: '', name: '', password: '', orgName: '', language: browserLanguage() });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (invitation) api.invitation(invitation).then(setInvite, () => setInvite('bad'));
  }, [invitation]);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  // A fresh page load: the chat opens with the new session.
  // Back where one signed in from (the calendar), or to the chat.
  const done = () => location.assign(location.pathname.startsWith('/calendar') ? '/calendar' : '/chat');
  const run = async (fn: () => Promise<void>, then: () => void = done) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      then();
    } catch (e) {
      setError(formError(e));
    } finally {
      setBusy(false);
    }
  };
  if (invite === 'bad') return <div class="message-page"><h1>This invitation link is unknown, expired or used</h1><a href="/chat">Sign in</a></div>;
  return (
    <div class="home auth" data-testid="auth-page">
      <h1>Parley</h1>
      {invitation && invite && (
        <p data-testid="invitation-info">
          You are invited to <strong>{invite.orgName}</strong>
          {invite.role === 'external' ? ' as a guest' : invite.role === 'admin' ? ' as an administrator' : ''}.
          {invite.email && <> This invitation is for {invite.email}: use that address.</>}
        </p>
      )}
      {invitation && sessionToken.value && (
        <button type="button" class="primary" data-testid="accept-invitation" disabled={busy} onClick={() => void run(async () => void (await api.acceptInvitation(invitation, sessionToken.value!)))}>
          Join with my account
        </button>
      )}
      <div class="tabs">
        <button type="button" class={mode !== 'signup' ? 'active' : ''} data-testid="tab-login" onClick={() => setMode('login')}>
          Sign in
        </button>
        <button type="button" class={mode === 'signup' ? 'active' : ''} data-testid="tab-signup" onClick={() => setMode('signup')}>
          Create an account
        </button>
      </div>
      {mode === 'login' && (
        <form
          class="auth-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!form.login.trim() || !form.password) return setError('Enter your e-mail address or username, and your password.');
            void run(async () => {
              const reply = await api.login(form.login.trim(), form.password);
              if (invitation) await api.acceptInvitation(invitation, reply.token);
              signedIn(reply);
            });
          }}
        >
          <label>
            E-mail or username
            <input data-testid="login-input" autoComplete="username" value={form.login} onInput={set('login')} />
          </label>
          <label>
            Password
            <input data-testid="password-input" type="password" autoComplete="current-password" value={form.password} onInput={set('password')} />
          </label>
          <button type="submit" class="primary" data-testid="login-submit" disabled={busy}>
            Sign in
          </button>
          <button
            type="button"
            class="link"
            data-testid="forgot-password"
            onClick={() => {
              setMode('reset');
              setError(null);
              setResetSent(false);
            }}
          >
            Forgot your password?
          </button>
        </form>
      )}
      {mode === 'reset' && (
        <form
          class="auth-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!isEmailAddress(form.email.trim())) return setError('Enter the e-mail address of your account, like name@example.org.');
            void run(
              async () => void (await api.requestReset(form.email.trim())),
              () => setResetSent(true),
            );
          }}
        >
          <p class="dim">Enter the e-mail address of your account: we send it a link to choose a new password.</p>
          <label>
            E-mail
            <input data-testid="reset-email" type="email" autoComplete="email" value={form.email} onInput={set('email')} />
          </label>
          <button type="submit" class="primary" data-testid="reset-submit" disabled={busy}>
            Send me a link
          </button>
          {resetSent && (
            <p class="hint" role="status" data-testid="reset-sent">
              If an account uses this address, a link is on its way. It works once, for an hour.
            </p>
          )}
        </form>
      )}
      {mode === 'signup' && (
        <form
          class="auth-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const problem = signupProblem(form);
            if (problem) return setError(problem);
            void run(async () => {
              signedIn(
                await api.signup({
                  email: form.email.trim(),
                  username: form.username.trim(),
                  name: form.name.trim(),
                  password: form.password,
                  language: form.language,
                  ...(invitation ? { invitation } : form.orgName.trim() ? { orgName: form.orgName.trim() } : {}),
                }),
              );
            });
          }}
        >
          <label>
            Your name
            <input data-testid="name-field" autoComplete="name" maxLength={64} value={form.name} onInput={set('name')} />
          </label>
          <label>
            Username <span class="dim">(for @mentions)</span>
            <input data-testid="username-field" autoComplete="username" maxLength={32} value={form.username} onInput={set('username')} />
          </label>
          <label>
            E-mail
            <input data-testid="email-field" type="email" autoComplete="email" value={form.email} onInput={set('email')} />
          </label>
          <label>
            Password <span class="dim">(8 characters or more; a few unrelated words are strong)</span>
            <input data-testid="signup-password" type="password" autoComplete="new-password" value={form.password} onInput={set('password')} />
          </label>
          <label>
            Language
            <select data-testid="language-field" value={form.language} onChange={set('language')}>
              {LANGUAGES.map((l) => (
                <option key={l} value={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
          {!invitation && (
            <label>
              Organization <span class="dim">(created with your account; optional)</span>
              <input data-testid="org-field" maxLength={100} value={form.orgName} onInput={set('orgName')} />
            </label>
          )}
          <button type="submit" class="primary" data-testid="signup-submit" disabled={busy}>
            Create my account
          </button>
        </form>
      )}
      {error && (
        <p class="hint error" data-testid="auth-error">
          {error}
        </p>
      )}
      <p class="dim">
        <a href="/">Start a meeting without an account</a>
      </p>
    </div>
  );
}
