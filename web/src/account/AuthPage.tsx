// Sign in, create an account (with a new organization), or accept an
// invitation link (/chat/invite/<token>): signed-in people join at once,
// others create their account into the organization.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../core/api.ts';
import { language, setLanguage, t, type Language } from '../i18n/index.ts';
import { LanguageOptions, Preferences } from '../prefs/Preferences.tsx';
import { formError, isEmailAddress, signupProblem } from './messages.ts';
import { sessionToken, signedIn } from './session.ts';

/** Stands for a name in a sentence, so that the name can be drawn in <strong> where the sentence puts it. */
const MARK = '\u0000';
/** `text` (a message given MARK for one of its values) with `node` where MARK is. */
function withNode(text: string, node: ComponentChildren) {
  const at = text.indexOf(MARK);
  return at < 0 ? text : (
    <>
      {text.slice(0, at)}
      {node}
      {text.slice(at + MARK.length)}
    </>
  );
}

export function AuthPage({ invitation }: { invitation?: string }) {
  const [mode, setMode] = useState<'login' | 'signup' | 'reset'>(invitation ? 'signup' : 'login');
  const [resetSent, setResetSent] = useState(false);
  const [invite, setInvite] = useState<{ orgName: string; role: string; email: string | null } | null | 'bad'>(null);
  const [form, setForm] = useState({ login: '', email: '', username: '', name: '', password: '', orgName: '', language: language.value });
  // The error as a way to say it, not its words: a language change (the menu, or this form's language field) rewords it.
  const [error, setErrorSay] = useState<(() => string) | null>(null);
  const fail = (say: () => string) => setErrorSay(() => say);
  const setError = (none: null) => setErrorSay(none);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (invitation) api.invitation(invitation).then(setInvite, () => setInvite('bad'));
  }, [invitation]);
  // The page's language (chosen here or in the corner menu) is the new account's.
  const pageLanguage = language.value;
  useEffect(() => setForm((f) => (f.language === pageLanguage ? f : { ...f, language: pageLanguage })), [pageLanguage]);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  // A fresh page load: the chat opens with the new session.
  // Back where one signed in from (the calendar), or to the chat.
  const done = () => location.assign(['/calendar', '/contacts'].find((p) => location.pathname.startsWith(p)) ?? '/chat');
  const run = async (fn: () => Promise<void>, then: () => void = done) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      then();
    } catch (e) {
      fail(() => formError(e));
    } finally {
      setBusy(false);
    }
  };
  const corner = (
    <header class="page-corner">
      <Preferences />
    </header>
  );
  if (invite === 'bad')
    return (
      <div class="message-page">
        {corner}
        <h1>{t('account.invitation.bad')}</h1>
        <a href="/chat">{t('account.auth.signIn')}</a>
      </div>
    );
  return (
    <div class="home auth" data-testid="auth-page">
      {corner}
      <h1>Parley</h1>
      {invitation && invite && (
        <p data-testid="invitation-info">
          {withNode(t('account.invitation.info', { org: MARK, role: invite.role }), <strong>{invite.orgName}</strong>)}
          {invite.email && <> {t('account.invitation.forEmail', { email: invite.email })}</>}
        </p>
      )}
      {invitation && sessionToken.value && (
        <button type="button" class="primary" data-testid="accept-invitation" disabled={busy} onClick={() => void run(async () => void (await api.acceptInvitation(invitation, sessionToken.value!)))}>
          {t('account.invitation.join')}
        </button>
      )}
      <div class="tabs">
        <button type="button" class={mode !== 'signup' ? 'active' : ''} data-testid="tab-login" onClick={() => setMode('login')}>
          {t('account.auth.signIn')}
        </button>
        <button type="button" class={mode === 'signup' ? 'active' : ''} data-testid="tab-signup" onClick={() => setMode('signup')}>
          {t('account.auth.signUp')}
        </button>
      </div>
      {mode === 'login' && (
        <form
          class="auth-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!form.login.trim() || !form.password) return fail(() => t('account.login.missing'));
            void run(async () => {
              const reply = await api.login(form.login.trim(), form.password);
              if (invitation) await api.acceptInvitation(invitation, reply.token);
              signedIn(reply);
            });
          }}
        >
          <label>
            {t('account.login.login')}
            <input data-testid="login-input" autoComplete="username" value={form.login} onInput={set('login')} />
          </label>
          <label>
            {t('account.auth.password')}
            <input data-testid="password-input" type="password" autoComplete="current-password" value={form.password} onInput={set('password')} />
          </label>
          <button type="submit" class="primary" data-testid="login-submit" disabled={busy}>
            {t('account.auth.signIn')}
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
            {t('account.login.forgot')}
          </button>
        </form>
      )}
      {mode === 'reset' && (
        <form
          class="auth-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!isEmailAddress(form.email.trim())) return fail(() => t('account.reset.missingEmail'));
            void run(
              async () => void (await api.requestReset(form.email.trim())),
              () => setResetSent(true),
            );
          }}
        >
          <p class="dim">{t('account.reset.intro')}</p>
          <label>
            {t('account.auth.email')}
            <input data-testid="reset-email" type="email" autoComplete="email" value={form.email} onInput={set('email')} />
          </label>
          <button type="submit" class="primary" data-testid="reset-submit" disabled={busy}>
            {t('account.reset.send')}
          </button>
          {resetSent && (
            <p class="hint" role="status" data-testid="reset-sent">
              {t('account.reset.sent')}
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
            const sent = form;
            if (signupProblem(sent)) return fail(() => signupProblem(sent) ?? '');
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
            {t('account.signup.name')}
            <input data-testid="name-field" autoComplete="name" maxLength={64} value={form.name} onInput={set('name')} />
          </label>
          <label>
            {t('account.signup.username')} <span class="dim">{t('account.signup.usernameHint')}</span>
            <input data-testid="username-field" autoComplete="username" maxLength={32} value={form.username} onInput={set('username')} />
          </label>
          <label>
            {t('account.auth.email')}
            <input data-testid="email-field" type="email" autoComplete="email" value={form.email} onInput={set('email')} />
          </label>
          <label>
            {t('account.auth.password')} <span class="dim">{t('account.password.hint')}</span>
            <input data-testid="signup-password" type="password" autoComplete="new-password" value={form.password} onInput={set('password')} />
          </label>
          <label>
            {t('account.signup.language')}
            <select
              data-testid="language-field"
              value={form.language}
              onChange={(e) => {
                // The page speaks it at once: the account that is being made will.
                const lang = (e.target as HTMLSelectElement).value as Language;
                setForm({ ...form, language: lang });
                void setLanguage(lang, true);
              }}
            >
              <LanguageOptions />
            </select>
          </label>
          {!invitation && (
            <label>
              {t('account.signup.org')} <span class="dim">{t('account.signup.orgHint')}</span>
              <input data-testid="org-field" maxLength={100} value={form.orgName} onInput={set('orgName')} />
            </label>
          )}
          <button type="submit" class="primary" data-testid="signup-submit" disabled={busy}>
            {t('account.signup.submit')}
          </button>
        </form>
      )}
      {error && (
        <p class="hint error" data-testid="auth-error">
          {error()}
        </p>
      )}
      <p class="dim">
        <a href="/">{t('account.auth.withoutAccount')}</a>
      </p>
    </div>
  );
}
