// Nothing a person reads in web/ is left in English by accident: the JSX of
// every component is parsed (Vite's own parser, oxc) and each text a person
// sees must come from a message. Flagged: JSX text with letters; string
// literals in JSX expressions ({x ? 'On' : 'Off'}); the attributes people
// read or hear (title, aria-label, placeholder, alt, label); and strings
// handed to what shows them outside JSX (confirm, alert, prompt, notify,
// setError, setNotice...). Text without letters (·, #, 0:42) and the product's
// name are not sentences.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'vitest';
import { parseAst } from 'vite';

const SRC = path.resolve(import.meta.dirname, '../src');
const SPOKEN_ATTRIBUTES = new Set(['title', 'aria-label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'placeholder', 'alt', 'label']);
const SHOWING_CALLS = /^(confirm|alert|prompt|notify|toast|setError|setNotice|setMessage|setStatus|setProblem|fail)$/;
const NOT_A_SENTENCE = /^(Parley|Euria)$/;

interface Node {
  type: string;
  start: number;
  [key: string]: unknown;
}

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && typeof (v as Node).type === 'string';
const hasWords = (s: string) => /\p{L}{2,}/u.test(s) && !NOT_A_SENTENCE.test(s.trim());

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Texts a person would read that are not messages, as "file:line: text". */
export function untranslated(file: string, code: string): string[] {
  const lang = file.endsWith('.tsx') ? 'tsx' : 'ts';
  const ast = parseAst(code, { lang }) as unknown as Node;
  const found: string[] = [];
  const where = (n: Node) => `${path.relative(SRC, file)}:${code.slice(0, n.start).split('\n').length}`;
  const flag = (n: Node, text: string): void => void found.push(`${where(n)}: ${JSON.stringify(text.trim().slice(0, 60))}`);
  const calleeName = (n: Node) => {
    const c = n.callee as Node;
    return c.type === 'Identifier' ? (c.name as string) : c.type === 'MemberExpression' && isNode(c.property) ? (c.property.name as string) : '';
  };
  /** Strings in `n` that would be shown, down through conditionals and templates but not into calls (t() and friends answer their own). */
  const shownStrings = (n: unknown): void => {
    if (!isNode(n)) return;
    if (n.type === 'Literal' && typeof n.value === 'string' && hasWords(n.value)) return flag(n, n.value);
    if (n.type === 'TemplateLiteral') {
      for (const q of n.quasis as Node[]) if (hasWords((q.value as { cooked: string }).cooked)) flag(q, (q.value as { cooked: string }).cooked);
      return (n.expressions as Node[]).forEach(shownStrings);
    }
    if (n.type === 'ConditionalExpression') return [n.consequent, n.alternate].forEach(shownStrings);
    if (n.type === 'LogicalExpression') return shownStrings(n.right);
    if (n.type === 'BinaryExpression' && n.operator === '+') return [n.left, n.right].forEach(shownStrings);
    if (n.type === 'TSAsExpression' || n.type === 'ParenthesizedExpression') shownStrings(n.expression);
  };
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!isNode(n)) return;
    if (n.type === 'JSXText' && hasWords(n.value as string)) flag(n, n.value as string);
    if (n.type === 'JSXExpressionContainer') shownStrings(n.expression);
    if (n.type === 'JSXAttribute') {
      const name = (n.name as Node).name as string;
      const value = n.value as Node | null;
      if (SPOKEN_ATTRIBUTES.has(name) && value) {
        if (value.type === 'Literal') shownStrings(value);
        else if (value.type === 'JSXExpressionContainer') shownStrings(value.expression);
      }
      // Other attributes (class, data-testid, href...) are not read; their expressions may hold JSX, walked below.
      if (value?.type === 'JSXExpressionContainer') walk((value.expression as Node).type === 'JSXElement' ? value.expression : []);
      return;
    }
    if (n.type === 'CallExpression' && SHOWING_CALLS.test(calleeName(n))) (n.arguments as Node[]).forEach(shownStrings);
    for (const [key, value] of Object.entries(n)) if (key !== 'type' && typeof value === 'object') walk(value);
  };
  walk(ast);
  return found;
}

test('the scanner sees the kinds of text it is meant to see (it can fail)', () => {
  const sample = `
    export const A = () => <div title="Open it" aria-label={busy ? 'Busy now' : t('x.y')}>
      Hello there {on ? 'Call ended' : t('a.b')} {n} · <b>{\`\${n} people\`}</b>
      <input placeholder="Search…" class="not read" data-testid="whatever text" />
      <span>{t('fine.key')}</span> 0:42 ·
    </div>;
    function f() { setError('Could not save'); confirm(\`Delete \${name}?\`); notify(t('ok.key')); console.log('not shown'); }`;
  const found = untranslated('sample.tsx', sample).map((s) => s.replace(/^[^ ]+ /, ''));
  assert.deepEqual(found.sort(), ['"Busy now"', '"Call ended"', '"Could not save"', '"Delete"', '"Hello there"', '"Open it"', '"Search…"', '"people"'].sort());
});

test('every text a person reads in web/ comes from a message', () => {
  const found = files(SRC).flatMap((f) => untranslated(f, fs.readFileSync(f, 'utf8')));
  assert.deepEqual(found, [], `texts not from messages (use t() and i18n/messages/en.json):\n${found.join('\n')}`);
});
