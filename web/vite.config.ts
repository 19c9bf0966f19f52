import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { defineConfig, type Plugin } from 'vite';

const MESSAGES = path.resolve(import.meta.dirname, '../i18n/messages');

/** One hash of every message file: a change to any renames every message module (they are cached for good). */
function messagesHash(): string {
  const hash = crypto.createHash('sha256');
  for (const f of fs.readdirSync(MESSAGES).sort()) hash.update(f).update(fs.readFileSync(path.join(MESSAGES, f)));
  return hash.digest('hex').slice(0, 10);
}

/** Message areas only servers use (e-mails, Euria): never shipped to the page. */
const SERVER_AREAS = new Set(['mail', 'agenda', 'euria', 'org']);

/**
 * The messages as modules of precompiled ICU messages, one per language and
 * area (the key's first part: `virtual:parley-messages/fr/chat`), so that a
 * page downloads the areas it shows, in its language, and ships
 * intl-messageformat without its parser (aliased to no-parser below), as
 * FormatJS advises. A message that is plain text stays a string. The index
 * module (`virtual:parley-messages`) loads them. A message that does not
 * parse fails the build.
 *
 * In a build the message modules are emitted under names made of one hash of
 * all message files, the language and the area (assets/m-<hash>-fr-chat.js),
 * and the index builds that name: every page's main chunk then holds one
 * line, not a table of each language's loader for each area (which grew with
 * every area, on pages as light as the live viewer's).
 */
function messages(): Plugin {
  const PREFIX = 'virtual:parley-messages';
  const read = (lang: string) => JSON.parse(fs.readFileSync(path.join(MESSAGES, `${lang}.json`), 'utf8')) as Record<string, string>;
  const languages = () => fs.readdirSync(MESSAGES).flatMap((f) => /^([a-z]{2})\.json$/.exec(f)?.[1] ?? []);
  const pageAreas = () => [...new Set(Object.keys(read('en')).map((k) => k.split('.')[0]!))].filter((a) => !SERVER_AREAS.has(a));
  let build = false;
  return {
    name: 'parley-messages',
    configResolved(config) {
      build = config.command === 'build';
    },
    buildStart() {
      if (!build) return;
      const hash = messagesHash();
      for (const lang of languages()) for (const area of pageAreas()) this.emitFile({ type: 'chunk', id: `${PREFIX}/${lang}/${area}`, fileName: `assets/m-${hash}-${lang}-${area}.js`, preserveSignature: 'strict' });
    },
    resolveId(id) {
      return id === PREFIX || id.startsWith(`${PREFIX}/`) ? `\0${id}` : null;
    },
    load(id) {
      if (!id.startsWith(`\0${PREFIX}`)) return null;
      const rest = id.slice(PREFIX.length + 1);
      if (rest === '') {
        // Beside the main chunk in assets/ (see buildStart).
        if (build) return `export const load = (lang, area) => import(/* @vite-ignore */ \`./m-${messagesHash()}-\${lang}-\${area}.js\`);`;
        const areas = pageAreas();
        const table = languages().map((lang) => `${lang}: [${areas.map((a) => `() => import('${PREFIX}/${lang}/${a}')`).join(', ')}]`);
        return `const areas = ${JSON.stringify(areas)};\nconst table = {${table.join(',\n')}};\nexport const load = (lang, area) => table[lang][areas.indexOf(area)]();`;
      }
      const [, lang, area] = /^\/([a-z]{2})\/([a-z][A-Za-z0-9]*)$/.exec(rest) ?? [];
      if (!lang || !area) throw new Error(`no such messages: ${rest}`);
      const file = path.join(MESSAGES, `${lang}.json`);
      this.addWatchFile(file);
      const compiled: Record<string, unknown> = {};
      for (const [key, text] of Object.entries(read(lang))) {
        if (!key.startsWith(`${area}.`)) continue;
        const ast = parse(text, { ignoreTag: true });
        compiled[key] = ast.length === 1 && ast[0]!.type === TYPE.literal ? ast[0]!.value : ast.length === 0 ? '' : ast;
      }
      return `export default ${JSON.stringify(compiled)};`;
    },
  };
}

/**
 * Brotli and gzip copies of every text asset, made once at build time: the
 * server sends the smallest one the browser accepts (@fastify/static
 * `preCompressed`) instead of compressing on every request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'parley-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
      for (const file of walk(outDir).filter((f) => /\.(js|css|html|svg|json)$/.test(f))) {
        const data = fs.readFileSync(file);
        if (data.length < 1024) continue;
        fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
        fs.writeFileSync(`${file}.gz`, zlib.gzipSync(data, { level: 9 }));
      }
    },
  };
}

// Preact through Vite's own JSX transform (no Babel preset needed).
export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [messages(), precompress()],
  resolve: {
    alias: [
      { find: 'react', replacement: 'preact/compat' },
      { find: 'react-dom', replacement: 'preact/compat' },
      // Messages come precompiled (see messages() above): the parser stays out of the page.
      { find: /^@formatjs\/icu-messageformat-parser$/, replacement: '@formatjs/icu-messageformat-parser/no-parser.js' },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev -w web` against a server on :3000
    proxy: { '/api': 'http://localhost:3000', '/socket.io': { target: 'ws://localhost:3000', ws: true } },
  },
});
