// The page's language: the account's on signed-in screens, otherwise the one
// this browser chose last (the language menu), otherwise the browser's own.
// Sentences come from @parley/i18n's message files, one per language, loaded
// on demand (a French reader downloads French only). `t` reads a signal, so a
// component that calls it renders again when the language changes.
import { computed, signal } from '@preact/signals';
import { isLanguage, negotiate, Translator, type Language, type MessageKey, type Messages, type MessageValues } from '@parley/i18n';

export { LANGUAGES, LANGUAGE_NAMES, type Language, type MessageKey } from '@parley/i18n';

const KEY = 'parley:language';
// One chunk per language, its messages precompiled at build time (see web/vite.config.ts).
const files: Record<Language, () => Promise<{ default: Messages }>> = {
  en: () => import('virtual:parley-messages/en'),
  fr: () => import('virtual:parley-messages/fr'),
  de: () => import('virtual:parley-messages/de'),
  it: () => import('virtual:parley-messages/it'),
  es: () => import('virtual:parley-messages/es'),
};
const load = async (language: Language) => (await files[language]()).default;

const translator = signal(new Translator('en', 'en', {}));
/** The language pages are shown in. */
export const language = computed(() => translator.value.language);
/** The locale dates and numbers follow: the browser's own tag when it is of this language (fr-CH), else the language. */
export const locale = computed(() => translator.value.locale);

/** The sentence for `key` in the page's language. */
export const t = (key: MessageKey, values?: MessageValues): string => translator.value.t(key, values);

/** Whether `key` is a message (for keys made from a server's code). */
export const hasMessage = (key: string): key is MessageKey => translator.value.has(key);

function localeFor(lang: Language): string {
  const own = navigator.languages.find((tag) => tag.toLowerCase().split('-')[0] === lang);
  try {
    return own ? (Intl.getCanonicalLocales(own)[0] ?? lang) : lang;
  } catch {
    return lang;
  }
}

/** The language to open with, before any account is known. */
export function startLanguage(): Language {
  const chosen = localStorage.getItem(KEY);
  return isLanguage(chosen) ? chosen : (negotiate(navigator.languages) ?? 'en');
}

let wanted: Language | null = null;
/**
 * Shows the page in `lang` (its messages loaded first, so that nothing shows
 * half translated). `remember`: the person chose it here, so this browser
 * opens in it next time.
 */
export async function setLanguage(lang: Language, remember = false): Promise<void> {
  wanted = lang;
  if (remember) localStorage.setItem(KEY, lang);
  if (translator.value.language === lang && Object.keys(translator.value.messages).length) return;
  const messages = await load(lang);
  // A later choice made while this one loaded wins.
  if (wanted !== lang) return;
  translator.value = new Translator(lang, localeFor(lang), messages);
  document.documentElement.lang = translator.value.locale;
}
