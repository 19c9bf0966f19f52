// What a person reads when a form is refused: a sentence about the field,
// not the schema's words ("body/email: must not have fewer than 3
// characters"). The server's codes are stable; its schema messages are not
// written for people, so a refused field is named here.
import { ApiError } from '../core/api.ts';
import { errorText } from '../i18n/errors.ts';
import { t, type MessageKey } from '../i18n/index.ts';

/** The sentence that says what a field needs, by the field's name in the request. */
const FIELD_SENTENCES: Record<string, MessageKey> = {
  email: 'account.field.email',
  username: 'account.field.username',
  name: 'account.field.name',
  password: 'account.field.password',
  current: 'account.field.current',
  orgName: 'account.field.orgName',
  login: 'account.field.login',
  token: 'account.field.token',
};

/** The sentence for an error from an account form. */
export function formError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'INVALID_PAYLOAD') {
    const field = /^body\/(\w+)/.exec(error.message)?.[1];
    const key = field ? FIELD_SENTENCES[field] : undefined;
    if (key) return t(key);
  }
  return errorText(error);
}

/** Whether `text` looks like an e-mail address (something, @, a domain with a dot): checked before sending. */
export const isEmailAddress = (text: string): boolean => /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(text);

/** Checks the sign-up form as the server would, so that most mistakes are said before sending. */
export function signupProblem(form: { email: string; username: string; name: string; password: string }): string | null {
  if (!form.name.trim()) return t('account.field.name');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$/.test(form.username.trim())) return t('account.field.username');
  if (!isEmailAddress(form.email.trim())) return t('account.field.email');
  if (Array.from(form.password).length < 8) return t('account.field.password');
  return null;
}
