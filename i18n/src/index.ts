// Every sentence a person reads, in their language: one message file per
// language (messages/*.json, flat keys, ICU MessageFormat: plurals, select
// and {placeholders}), read by the web client, the server (e-mails) and Euria.
// English is the reference: every key exists there, and a test checks that
// each other file has the same keys with the same placeholders.
import type { ArgumentElement, LiteralElement, MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { LANGUAGES, type Language } from '@parley/protocol/languages';

export { LANGUAGES, type Language };
/** Every message key (English has them all). */
export type MessageKey = keyof typeof import('../messages/en.json', { with: { type: 'json' } });
/** Message sources, or (in the web client) the same messages parsed at build time. */
export type Messages = Record<string, string | MessageFormatElement[]>;
export type MessageValues = Record<string, string | number | Date>;

/** Each language's own name, as its speakers write it (the language menus show these). */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', fr: 'Français', de: 'Deutsch', it: 'Italiano', es: 'Español' };

export const isLanguage = (s: unknown): s is Language => typeof s === 'string' && (LANGUAGES as readonly string[]).includes(s);

/**
 * The first of `tags` (a browser's languages, most wanted first) that Parley
 * speaks, by its primary subtag: "fr-CH" is French. At most 20 tags are
 * looked at: the list comes from the person.
 */
export function negotiate(tags: readonly string[]): Language | null {
  for (const tag of tags.slice(0, 20)) {
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    if (isLanguage(primary)) return primary;
  }
  return null;
}

/** The same from an Accept-Language header (servers; a page has navigator.languages). */
export const negotiateHeader = (header: string | undefined): Language | null => negotiate(acceptLanguage(header ?? ''));

/** An Accept-Language header's tags, most wanted first (q=0 left out). */
function acceptLanguage(header: string): string[] {
  return header
    .slice(0, 500)
    .split(',')
    .slice(0, 20)
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.tag);
}

/** What formats an ICU message (intl-messageformat's IntlMessageFormat): passed in, so that a page loads it only when a message needs it. */
export type MessageFormatter = new (message: string | MessageFormatElement[], locale: string, formats?: undefined, opts?: { ignoreTag: boolean }) => {
  format(values?: Record<string, unknown>): unknown;
};

// The parser's element kinds (its TYPE enum), written out: importing the enum
// would bring the parser package's runtime into the page for two numbers.
const LITERAL = 0;
const ARGUMENT = 1;

/** Whether a parsed message is only text and plain {values} (no plural, select, number or date): it needs no formatter. */
export const isPlain = (ast: MessageFormatElement[]): ast is (LiteralElement | ArgumentElement)[] => ast.every((e) => e.type === LITERAL || e.type === ARGUMENT);

/** Whether any of `messages` (parsed) needs a formatter. */
export const needsFormatter = (messages: Messages): boolean => Object.values(messages).some((m) => typeof m !== 'string' && !isPlain(m));

/**
 * Turns keys into sentences for one language. A key missing in the language
 * falls back to English (a test keeps that from happening in a release); a
 * key missing in English shows as itself, so that it is seen and fixed.
 * Compiled messages are kept: a render asks for the same ones again.
 */
export class Translator {
  readonly #compiled = new Map<string, { format(values?: Record<string, unknown>): unknown }>();

  readonly language: Language;
  /** The locale numbers and dates are formatted in (e.g. fr-CH for French in Switzerland). */
  readonly locale: string;
  readonly messages: Messages;
  readonly fallback: Messages;
  /** Messages parsed at build time (the web client's): a string is then plain text, not a source to parse. */
  readonly precompiled: boolean;
  readonly #Formatter: MessageFormatter | undefined;

  constructor(language: Language, locale: string, messages: Messages, opts: { fallback?: Messages; precompiled?: boolean; formatter?: MessageFormatter } = {}) {
    this.language = language;
    this.locale = locale;
    this.messages = messages;
    this.fallback = opts.fallback ?? messages;
    this.precompiled = opts.precompiled ?? false;
    this.#Formatter = opts.formatter;
  }

  t(key: MessageKey, values?: MessageValues): string {
    let format = this.#compiled.get(key);
    if (!format) {
      const own = this.messages[key];
      const source = own ?? this.fallback[key];
      if (source === undefined) return key;
      if (this.precompiled && typeof source === 'string') return source;
      // Text and {values} only: filled in here, without a formatter (the live viewer's page needs none).
      if (typeof source !== 'string' && isPlain(source)) return source.map((e) => (e.type === LITERAL ? e.value : String(values?.[e.value] ?? `{${e.value}}`))).join('');
      if (!this.#Formatter) return key;
      format = new this.#Formatter(source, own === undefined ? 'en' : this.locale, undefined, { ignoreTag: true });
      this.#compiled.set(key, format);
    }
    const out = format.format(values);
    return Array.isArray(out) ? out.join('') : String(out);
  }

  /** Whether the key exists (in this language or in English). */
  has(key: string): key is MessageKey {
    return key in this.messages || key in this.fallback;
  }
}
