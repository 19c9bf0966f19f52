// Choosing the language: this browser remembers it, and on signed-in screens
// the account keeps it too (its e-mails and Euria's messages follow it).
import { api } from '../core/api.ts';
import { setLanguage, type Language } from '../i18n/index.ts';

/** `sessionToken`: the signed-in account's, whose language changes with the page's. */
export async function chooseLanguage(lang: Language, sessionToken?: string | null): Promise<void> {
  await setLanguage(lang, true);
  // The page already speaks it; an account that cannot be told now keeps its old one until the next choice.
  if (sessionToken) await api.updateProfile({ language: lang }, sessionToken).catch(() => undefined);
}

/** A signed-in screen learnt the account's language: the page follows it. */
export const adoptAccountLanguage = (lang: Language): Promise<void> => setLanguage(lang, true);
