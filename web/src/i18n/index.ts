// The page's language: the account's on signed-in screens, otherwise the one
// this browser chose last (the language menu), otherwise the browser's own.
// Sentences come from @parley/i18n's message files, one per language,
// downloaded by area (the key's first part) as pages need them: the live
// viewer, opened by thousands, fetches its few sentences, not the calendar's.
// `t` reads a signal, so a component that calls it renders again when the
// language changes or an area arrives.
import { computed, signal } from '@preact/signals';
import { isLanguage, needsFormatter, negotiate, Translator, type Language, type MessageFormatter, type MessageKey, type Messages, type MessageValues } from '@parley/i18n';
import { load, type Area } from 'virtual:parley-messages';
import uiEnglish from 'virtual:parley-messages/en/ui';

export { LANGUAGES, LANGUAGE_NAMES, type Language, type MessageKey } from '@parley/i18n';

/** The areas every page shows: the language menu and shared pieces (a page that shows server refusals asks for `error`). */
const BASE_AREAS = ['prefs', 'ui'] as const;
export type { Area };

const KEY = 'parley:language';
// Until the first language arrives (or if it cannot), the shared pieces speak English: a page that fails to load still says so in words.
const translator = signal(new Translator('en', 'en', uiEnglish, { precompiled: true }));
/** The areas the pages shown so far asked for: a language change loads them all. */
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

// One download per language and area, shared by whoever asks (a failed one may be asked for again).
const downloads = new Map<string, Promise<Messages>>();
function download(lang: Language, area: Area): Promise<Messages> {
  const key = `${lang}/${area}`;
  let p = downloads.get(key);
  if (!p) {
    p = load(lang, area).then((m) => m.default);
    p.catch(() => downloads.delete(key));
    downloads.set(key, p);
  }
  return p;
}

const make = (lang: Language, locale: string, messages: Messages) => new Translator(lang, locale, messages, { precompiled: true, formatter });

let wanted: Language = 'en';

/**
 * Shows the page in `lang` once every area asked for is there in it (an area
 * asked for meanwhile is loaded too). False when another language was asked
 * for before this one was ready: that one wins.
 */
async function apply(lang: Language): Promise<boolean> {
  // Each round loads what was asked for; a round that saw no new area applies. Pages ask for a handful of areas: a few rounds at most.
  for (let round = 0; round < 8; round++) {
    const asked = [...areas];
    const parts = await Promise.all(asked.map((a) => download(lang, a)));
    if (wanted !== lang) return false;
    if (asked.length !== areas.size) continue;
    const messages = Object.assign({}, ...parts) as Messages;
    if (!formatter && needsFormatter(messages)) {
      formatter = (await import('intl-messageformat')).IntlMessageFormat;
      if (wanted !== lang) return false;
    }
    translator.value = make(lang, localeFor(lang), messages);
    document.documentElement.lang = translator.value.locale;
    return true;
  }
  return false;
}

/** The language to open with, before any account is known. */
export function startLanguage(): Language {
  const chosen = localStorage.getItem(KEY);
  return isLanguage(chosen) ? chosen : (negotiate(navigator.languages) ?? 'en');
}

/**
 * Shows the page in `lang`, every area it shows loaded first (nothing shows
 * half translated). `remember`: the person chose it, so this browser opens in
 * it next time. True when the page now speaks `lang` (false: a later choice
 * replaced this one).
 */
export async function setLanguage(lang: Language, remember = false): Promise<boolean> {
  wanted = lang;
  if (remember) localStorage.setItem(KEY, lang);
  return apply(lang);
}

/** Loads the sentences of `more` areas in the page's language (a page asks before it shows). */
export async function needAreas(more: readonly Area[]): Promise<void> {
  more.forEach((a) => areas.add(a));
  // If the language changes meanwhile, its own apply() loads these too; wait for the one that lands.
  for (let i = 0; i < 8 && !(await apply(wanted)); i++);
}
