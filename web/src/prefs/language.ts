// Choosing the language: this browser remembers it, and on signed-in screens
// the account keeps it too (its e-mails and Euria's messages follow it).
import { api } from '../core/api.ts';
import { language, setLanguage, type Language } from '../i18n/index.ts';

// The account is told one choice at a time, the last one last: quick changes cannot leave it on an older one.
let saving: Promise<unknown> = Promise.resolve();

/** `sessionToken`: the signed-in account's, whose language changes with the page's. */
export async function chooseLanguage(lang: Language, sessionToken?: string | null): Promise<void> {
  // A choice replaced by a later one before it applied is not saved.
  if (!(await setLanguage(lang, true)) || !sessionToken) return;
  saving = saving.then(() => {
    // An account that cannot be told now keeps its old language until the next choice.
    if (language.peek() === lang) return api.updateProfile({ language: lang }, sessionToken).catch(() => undefined);
  });
  await saving;
}

/** A signed-in screen learnt the account's language: the page follows it. */
export const adoptAccountLanguage = async (lang: Language): Promise<void> => void (await setLanguage(lang, true));
