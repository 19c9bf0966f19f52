// What a person reads when a form is refused: a sentence about the field,
// not the schema's words ("body/email: must not have fewer than 3
// characters"). The server's codes are stable; its schema messages are not
// written for people, so a refused field is named here.
import { ApiError } from '../core/api.ts';

const FIELD_SENTENCES: Record<string, string> = {
  email: 'Enter your e-mail address, like name@example.org.',
  username: 'A username has 2 to 32 letters, digits, dots, dashes or underscores, and starts with a letter or a digit.',
  name: 'Enter your name (at most 64 characters).',
  password: 'A password has at least 8 characters.',
  current: 'Enter your current password.',
  orgName: "Enter your organization's name (at most 100 characters).",
  login: 'Enter your e-mail address or username.',
  token: 'This link is not complete. Open it again from the e-mail.',
};

/** The sentence for an error from an account form. */
export function formError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'INVALID_PAYLOAD') {
    const field = /^body\/(\w+)/.exec(error.message)?.[1];
    if (field && FIELD_SENTENCES[field]) return FIELD_SENTENCES[field];
  }
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection and try again.';
  return (error as Error).message;
}

/** Whether `text` looks like an e-mail address (something, @, a domain with a dot): checked before sending. */
export const isEmailAddress = (text: string): boolean => /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(text);

/** Checks the sign-up form as the server would, so that most mistakes are said before sending. */
export function signupProblem(form: { email: string; username: string; name: string; password: string }): string | null {
  if (!form.name.trim()) return FIELD_SENTENCES.name!;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$/.test(form.username.trim())) return FIELD_SENTENCES.username!;
  if (!isEmailAddress(form.email.trim())) return FIELD_SENTENCES.email!;
  if (Array.from(form.password).length < 8) return FIELD_SENTENCES.password!;
  return null;
}
