// Sign in, create an account (with a new organization), or accept an
// invitation link (/chat/invite/<token>): signed-in people join at once,
// others create their account into the organization.
import { useEffect, useState } from 'preact/hooks';
import { LANGUAGES, type Language } from '@parley/protocol';
import { api } from '../api.ts';
import { sessionToken, signedIn } from './session.ts';

const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', fr: 'Français', de: 'Deutsch', it: 'Italiano', es: 'Español' };
const browserLanguage = (): Language => (LANGUAGES as readonly string[]).find((l) => navigator.language.startsWith(l)) as Language | undefined ?? 'en';

export function AuthPage({ invitation }: { invitation?: string }) {
  const [mode, setMode] = useState<'login' | 'signup'>(invitation ? 'signup' : 'login');
  const [invite, setInvite] = useState<{ orgName: string; role: string } | null | 'bad'>(null);
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
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      done();
    } catch (e) {
      setError((e as Error).message);
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
          {invite.role === 'external' ? ' as a guest' : ''}.
        </p>
      )}
      {invitation && sessionToken.value && (
        <button type="button" class="primary" data-testid="accept-invitation" disabled={busy} onClick={() => void run(async () => void (await api.acceptInvitation(invitation, sessionToken.value!)))}>
          Join with my account
        </button>
      )}
      <div class="tabs">
        <button type="button" class={mode === 'login' ? 'active' : ''} data-testid="tab-login" onClick={() => setMode('login')}>
          Sign in
        </button>
        <button type="button" class={mode === 'signup' ? 'active' : ''} data-testid="tab-signup" onClick={() => setMode('signup')}>
          Create an account
        </button>
      </div>
      {mode === 'login' ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const reply = await api.login(form.login.trim(), form.password);
              if (invitation) await api.acceptInvitation(invitation, reply.token);
              signedIn(reply);
            });
          }}
        >
          <input data-testid="login-input" autoComplete="username" placeholder="E-mail or username" value={form.login} onInput={set('login')} />
          <input data-testid="password-input" type="password" autoComplete="current-password" placeholder="Password" value={form.password} onInput={set('password')} />
          <button type="submit" class="primary" data-testid="login-submit" disabled={busy}>
            Sign in
          </button>
        </form>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
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
          <input data-testid="name-field" placeholder="Your name" maxLength={64} value={form.name} onInput={set('name')} />
          <input data-testid="username-field" placeholder="Username (for @mentions)" maxLength={32} value={form.username} onInput={set('username')} />
          <input data-testid="email-field" type="email" autoComplete="email" placeholder="E-mail" value={form.email} onInput={set('email')} />
          <input data-testid="signup-password" type="password" autoComplete="new-password" placeholder="Password (8 characters or more)" value={form.password} onInput={set('password')} />
          <select data-testid="language-field" value={form.language} onChange={set('language')} aria-label="Language">
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </select>
          {!invitation && <input data-testid="org-field" placeholder="Organization name (creates it)" maxLength={100} value={form.orgName} onInput={set('orgName')} />}
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
