// The page's language: the account's on signed-in screens, otherwise the one
// this browser chose last (the language menu), otherwise the browser's own.
// Sentences come from @parley/i18n's message files, one per language,
// downloaded by area (the key's first part) as pages need them: the live
// viewer, opened by thousands, fetches its few sentences, not the calendar's.
// `t` reads a signal, so a component that calls it renders again when the
// language changes or an area arrives.
import { computed, signal } from '@preact/signals';
import { isLanguage, negotiate, Translator, type Language, type MessageKey, type Messages, type MessageValues } from '@parley/i18n';
import { loaders } from 'virtual:parley-messages';

export { LANGUAGES, LANGUAGE_NAMES, type Language, type MessageKey } from '@parley/i18n';

/** The areas every page shows: the language menu, errors, shared pieces. */
const BASE_AREAS = ['prefs', 'error', 'ui'] as const;
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

async function fetchAreas(lang: Language, wanted: Iterable<Area>): Promise<Messages> {
  const parts = await Promise.all([...wanted].map(async (a) => (await loaders[lang][a]()).default));
  return Object.assign({}, ...parts) as Messages;
}

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
  translator.value = new Translator(lang, localeFor(lang), messages, { precompiled: true });
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
  translator.value = new Translator(tr.language, tr.locale, { ...translator.value.messages, ...messages }, { precompiled: true });
}
