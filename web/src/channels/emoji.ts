// Emoji (loaded when first used: the picker and its data weigh more than the
// rest of the chat): emoji-picker-element's picker, with its data served
// from our own assets (no CDN: the emoji data ships in the npm package), in
// the page's language; and :shortcode: completion from emojibase's English
// shortcodes, the ones Mattermost and Slack users type.
import { Database, Picker } from 'emoji-picker-element';
import type { I18n } from 'emoji-picker-element/shared.js';
import de from 'emoji-picker-element/i18n/de.js';
import es from 'emoji-picker-element/i18n/es.js';
import fr from 'emoji-picker-element/i18n/fr.js';
import it from 'emoji-picker-element/i18n/it.js';
import enData from 'emoji-picker-element-data/en/emojibase/data.json?url';
import deData from 'emoji-picker-element-data/de/cldr/data.json?url';
import esData from 'emoji-picker-element-data/es/cldr/data.json?url';
import frData from 'emoji-picker-element-data/fr/cldr/data.json?url';
import itData from 'emoji-picker-element-data/it/cldr/data.json?url';

const LOCALES: Record<string, { data: string; i18n?: I18n }> = {
  en: { data: enData },
  de: { data: deData, i18n: de },
  es: { data: esData, i18n: es },
  fr: { data: frData, i18n: fr },
  it: { data: itData, i18n: it },
};

/** A picker in `language` (its search reads that language's keywords), in the page's light or dark palette. */
export function createPicker(language: string, dark: boolean): HTMLElement {
  const l = LOCALES[language] ?? LOCALES.en!;
  const picker = new Picker({ dataSource: l.data, locale: language in LOCALES ? language : 'en', ...(l.i18n ? { i18n: l.i18n } : {}) });
  picker.classList.add(dark ? 'dark' : 'light');
  return picker;
}

let shortcodes: Database | undefined;

/** Up to `max` emoji whose English shortcode starts with `prefix` (letters, digits, _ + -), the shortest codes first. */
export async function byShortcode(prefix: string, max = 6): Promise<{ unicode: string; shortcode: string }[]> {
  shortcodes ??= new Database({ dataSource: enData, locale: 'en' });
  const p = prefix.toLowerCase();
  const found = await shortcodes.getEmojiBySearchQuery(p);
  const out: { unicode: string; shortcode: string }[] = [];
  for (const e of found) {
    if (!('unicode' in e)) continue;
    const code = e.shortcodes?.filter((s) => s.startsWith(p)).sort((a, b) => a.length - b.length)[0];
    if (code) out.push({ unicode: e.unicode, shortcode: code });
  }
  return out.sort((a, b) => a.shortcode.length - b.shortcode.length).slice(0, max);
}
