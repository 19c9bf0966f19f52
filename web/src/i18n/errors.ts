// What a person reads when the server refuses: the sentence for its stable
// code (error.<CODE> in the message files), in the page's language. The
// server's own message is English and written for logs; it shows only for a
// code that has no sentence yet.
import { hasMessage, t } from './index.ts';

/** The sentence for a refusal (an ApiError, a socket ack's error, a network failure). */
export function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const key = `error.${code}`;
    if (hasMessage(key)) return t(key);
  }
  if (error instanceof TypeError) return t('error.network');
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
