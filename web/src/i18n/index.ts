// The page's language: the account's on signed-in screens, otherwise the one
// this browser chose last (the language menu), otherwise the browser's own.
// Sentences come from @parley/i18n's message files, one per language,
// downloaded by area (the key's first part) as pages need them: the live
// viewer, opened by thousands, fetches its few sentences, not the calendar's.
// `t` reads a signal, so a component that calls it renders again when the
// language changes or an area arrives.
import { computed, signal } from '@preact/signals';
import { isLanguage, needsFormatter, negotiate, Translator, type Language, type MessageFormatter, type MessageKey, type Messages, type MessageValues } from '@parley/i18n';
import { loaders } from 'virtual:parley-messages';

export { LANGUAGES, LANGUAGE_NAMES, type Language, type MessageKey } from '@parley/i18n';

/** The areas every page shows: the language menu and shared pieces (a page that shows server refusals asks for `error`). */
const BASE_AREAS = ['prefs', 'ui'] as const;
export type Area = keyof (typeof loaders)['en'];

const KEY = 'parley:language';
const translator = signal(new Translator('en', 'en', {}, { precompiled: true }));
const areas = new Set<Area>(BASE_AREAS);

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

// intl-messageformat, loaded with the first message that has a plural, a
// select or a number in it (the live viewer and the home page have none).
let formatter: MessageFormatter | undefined;

async function fetchAreas(lang: Language, wanted: Iterable<Area>): Promise<Messages> {
  const parts = await Promise.all([...wanted].map(async (a) => (await loaders[lang][a]()).default));
  const messages = Object.assign({}, ...parts) as Messages;
  if (!formatter && needsFormatter(messages)) formatter = (await import('intl-messageformat')).IntlMessageFormat;
  return messages;
}

const make = (lang: Language, locale: string, messages: Messages) => new Translator(lang, locale, messages, { precompiled: true, formatter });

/** The language to open with, before any account is known. */
export function startLanguage(): Language {
  const chosen = localStorage.getItem(KEY);
  return isLanguage(chosen) ? chosen : (negotiate(navigator.languages) ?? 'en');
}

let wanted: Language | null = null;
/**
 * Shows the page in `lang`, every area it shows loaded first (nothing shows
 * half translated). `remember`: the person chose it, so this browser opens in
 * it next time.
 */
export async function setLanguage(lang: Language, remember = false): Promise<void> {
  wanted = lang;
  if (remember) localStorage.setItem(KEY, lang);
  if (translator.value.language === lang && Object.keys(translator.value.messages).length) return;
  const messages = await fetchAreas(lang, areas);
  // A later choice made while this one loaded wins.
  if (wanted !== lang) return;
  translator.value = make(lang, localeFor(lang), messages);
  document.documentElement.lang = translator.value.locale;
}

/** Loads the sentences of `more` areas in the page's language (a page asks before it shows). */
export async function needAreas(more: readonly Area[]): Promise<void> {
  const missing = more.filter((a) => !areas.has(a));
  if (!missing.length) return;
  missing.forEach((a) => areas.add(a));
  const tr = translator.value;
  const messages = await fetchAreas(tr.language, missing);
  // The language changed meanwhile: setLanguage loaded these areas too (they were in the set).
  if (translator.value.language !== tr.language) return;
  translator.value = make(tr.language, tr.locale, { ...translator.value.messages, ...messages });
}
