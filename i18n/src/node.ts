// The message files on a server (Node): texts Parley writes for a person
// outside the page (e-mails, Euria's messages) in that person's language.
// Files are read once, on first use; English fills a key another file lacks.
import fs from 'node:fs';
import path from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { isLanguage, Translator, type Language, type MessageKey, type Messages, type MessageValues } from './index.ts';

const DIR = path.resolve(import.meta.dirname, '../messages');
const translators = new Map<Language, Translator>();

function read(lang: Language): Messages {
  return JSON.parse(fs.readFileSync(path.join(DIR, `${lang}.json`), 'utf8')) as Messages;
}

/** The translator for `lang` (its dates and numbers in the language's default locale); English for a value that is no language of ours. */
export function translatorFor(wanted: Language | string): Translator {
  const lang: Language = isLanguage(wanted) ? wanted : 'en';
  let tr = translators.get(lang);
  if (!tr) {
    const en = lang === 'en' ? undefined : translatorFor('en').messages;
    tr = new Translator(lang, lang, read(lang), { fallback: en, formatter: IntlMessageFormat });
    translators.set(lang, tr);
  }
  return tr;
}

/** The sentence for `key` in `lang`. */
export const translate = (lang: Language | string, key: MessageKey, values?: MessageValues): string => translatorFor(lang).t(key, values);

/** Every language's file as it is on disk (tests). */
export const messageFile = (lang: Language): Messages => read(lang);
