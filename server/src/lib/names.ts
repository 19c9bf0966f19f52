// Names people give (themselves, organizations, channels, calendars, rooms,
// meetings) are shown to others: they must not carry characters that hide
// or reorder what is drawn around them (a right-to-left override turns
// "Anna‮gpj.exe" into something else), nor consist of nothing visible.
import { InvalidRequest } from './errors.ts';

/**
 * Controls, format characters (bidi overrides and isolates, zero-width
 * spaces, the soft hyphen) and line/paragraph separators; except the
 * joiners that scripts (ZWNJ in Persian) and emoji (ZWJ sequences, tag
 * sequences of subdivision flags) need. Also the blank "letters" used as
 * invisible names (Hangul fillers, the blank Braille pattern).
 */
const HIDDEN = /(?![\u200C\u200D\u{E0020}-\u{E007F}])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|[\u115F\u1160\u3164\uFFA0\u2800]/gu;
/** Something a reader sees: a letter, digit, punctuation or symbol (joiners and tags alone are nothing). */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** Hidden characters out, runs of whitespace made one space, trimmed, at most `maxChars` code points. */
export function cleanText(raw: string, maxChars: number): string {
  const clean = raw.replace(HIDDEN, '').replace(/\s+/gu, ' ').trim();
  // The limit is in characters (code points, as the schemas count them):
  // String#slice counts UTF-16 units and would cut an emoji in half.
  return Array.from(clean).slice(0, maxChars).join('');
}

/** Like cleanText; undefined when nothing visible is left (the caller says what is missing). */
export function visibleText(raw: string, maxChars: number): string | undefined {
  const clean = cleanText(raw, maxChars);
  return VISIBLE.test(clean) ? clean : undefined;
}

// `v` (Unicode sets) knows which sequences are emoji; TypeBox compiles its
// patterns with `u`, so this check lives here rather than in a schema.
const ONE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

/** Whether `text` is exactly one emoji (as a keyboard or a picker would send it), with or without its variation selector. */
export function isEmoji(text: string): boolean {
  return ONE_EMOJI.test(text) || ONE_EMOJI.test(`${text}\uFE0F`);
}

/** visibleText, or INVALID_PAYLOAD saying which name lacks a visible character. */
export function requireName(raw: string, maxChars: number, what: string): string {
  const clean = visibleText(raw, maxChars);
  if (!clean) throw new InvalidRequest(`${what} needs at least one visible character`);
  return clean;
}
