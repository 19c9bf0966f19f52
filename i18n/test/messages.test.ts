// The message files: every language has every English key, no more; each
// message is valid ICU MessageFormat and asks for the same values as its
// English one (a translation that drops {name} or renames it would print
// wrong); and a translation is a translation, not the English copied over.
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { IntlMessageFormat } from 'intl-messageformat';
import { ERROR_CODES } from '@parley/protocol';
import { LANGUAGES, negotiate, negotiateHeader, Translator } from '../src/index.ts';
import { messageFile, translate } from '../src/node.ts';

const en = messageFile('en') as Record<string, string>;

/** The words of a message, without its syntax (every branch of its plurals and selects). */
function literalText(elements: MessageFormatElement[]): string {
  return elements
    .map((e) => (e.type === TYPE.literal ? e.value : e.type === TYPE.plural || e.type === TYPE.select ? Object.values(e.options).map((o) => literalText(o.value)).join(' ') : e.type === TYPE.tag ? literalText(e.children) : ' '))
    .join('');
}

/** The values a message asks for (name and kind), down through plurals and selects. */
function argumentsOf(elements: MessageFormatElement[], out = new Set<string>()): Set<string> {
  for (const e of elements) {
    if (e.type === TYPE.literal || e.type === TYPE.pound) continue;
    out.add(`${e.value}:${e.type === TYPE.argument ? 'text' : TYPE[e.type]}`);
    if (e.type === TYPE.plural || e.type === TYPE.select) for (const option of Object.values(e.options)) argumentsOf(option.value, out);
    if (e.type === TYPE.tag) argumentsOf(e.children, out);
  }
  return out;
}

describe('message files', () => {
  test('English: every key is named like area.part, every message parses', () => {
    assert.ok(Object.keys(en).length > 0);
    for (const [key, text] of Object.entries(en)) {
      assert.match(key, /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)+$/, key);
      assert.doesNotThrow(() => parse(text, { ignoreTag: true }), `en ${key}`);
    }
  });

  test('every error code the server answers with has a sentence', () => {
    for (const code of ERROR_CODES) assert.ok(en[`error.${code}`], `error.${code}`);
  });

  for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
    test(`${lang}: the same keys as English, the same values asked for, really translated`, () => {
      const file = messageFile(lang) as Record<string, string>;
      const missing = Object.keys(en).filter((k) => !(k in file));
      const extra = Object.keys(file).filter((k) => !(k in en));
      assert.deepEqual(missing, [], `${lang} lacks keys English has`);
      assert.deepEqual(extra, [], `${lang} has keys English does not`);
      const copied: string[] = [];
      for (const [key, text] of Object.entries(file)) {
        assert.ok(text.trim(), `${lang} ${key} is empty`);
        assert.notEqual(text, key, `${lang} ${key} is its own key`);
        const ours = argumentsOf(parse(text, { ignoreTag: true }));
        const theirs = argumentsOf(parse(en[key]!, { ignoreTag: true }));
        assert.deepEqual([...ours].sort(), [...theirs].sort(), `${lang} ${key} asks for other values than English`);
        // Short words may be the same in both ("Live", "Participants ({count})", "# mentions"); a sentence may not.
        const words = literalText(parse(text, { ignoreTag: true })).replace(/\s+/g, ' ').trim();
        if (text === en[key] && /\p{L}{3,}.*\s.*\p{L}{3,}/u.test(words) && words.length > 24) copied.push(key);
      }
      assert.deepEqual(copied, [], `${lang}: English sentences left untranslated`);
    });
  }
});

describe('the translator', () => {
  test('the language from a browser or an Accept-Language header: its primary subtag, by preference', () => {
    assert.equal(negotiate(['fr-CH', 'en']), 'fr');
    assert.equal(negotiateHeader('de-CH;q=0.9, it;q=1, en;q=0.5'), 'it');
    assert.equal(negotiateHeader('xx, pt-BR'), null);
    assert.equal(negotiateHeader('es;q=0, en'), 'en');
    assert.equal(negotiateHeader('*;q=0.1,' + 'zz,'.repeat(10_000)), null, 'a huge header is cut, not walked');
    assert.equal(negotiateHeader(undefined), null);
  });

  test('plurals, selects and values follow the language; a missing key falls back to English, then to itself', () => {
    const fr = new Translator('fr', 'fr-CH', { 'x.n': '{count, plural, one {# personne} other {# personnes}}' }, { fallback: { 'x.only': 'English only {a}' }, formatter: IntlMessageFormat });
    assert.equal(fr.t('x.n' as never, { count: 1 }), '1 personne');
    const many = fr.t('x.n' as never, { count: 1234 });
    assert.equal(many, `${new Intl.NumberFormat('fr-CH').format(1234)} personnes`, 'numbers in the locale');
    assert.doesNotMatch(many, /1,234/, 'not grouped as in English');
    assert.equal(fr.t('x.only' as never, { a: 'b' }), 'English only b');
    assert.equal(fr.t('x.none' as never), 'x.none');
  });

  test('server texts come in the person’s language, with their values', () => {
    for (const lang of LANGUAGES) {
      const body = translate(lang, 'mail.reset.body', { name: 'Zoé', link: 'https://p.example/reset/abc' });
      assert.match(body, /Zoé/);
      assert.match(body, /https:\/\/p\.example\/reset\/abc/);
      if (lang !== 'en') assert.notEqual(body, translate('en', 'mail.reset.body', { name: 'Zoé', link: 'https://p.example/reset/abc' }));
    }
  });
});
