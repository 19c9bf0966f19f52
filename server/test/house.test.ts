// The house rules a reader relies on (docs/architecture.md), checked on the
// source tree so that they stay true: files a person can read in one go,
// folders that do not depend on each other in a circle, one error style,
// workers that do not pull in the server, web features that own their state.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const SOURCES = ['protocol/src', 'platform/src', 'sfu/src', 'server/src', 'recorder/src', 'bots/src', 'web/src', 'scripts'];

function files(dir: string, re = /\.tsx?$/): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'migrations') walk(p);
      } else if (re.test(e.name) && !e.name.endsWith('.test.ts')) out.push(p);
    }
  };
  walk(path.join(root, dir));
  return out;
}
const rel = (p: string) => path.relative(root, p);
const read = (p: string) => fs.readFileSync(p, 'utf8');

test('no source file is over 500 lines (tests and SQL migrations aside)', () => {
  const long = SOURCES.flatMap((d) => files(d))
    .map((f) => ({ f: rel(f), lines: read(f).split('\n').length - 1 }))
    .filter((x) => x.lines > 500);
  assert.deepEqual(long, []);
});

/** The import graph between the folders of `dir` (a file at its top is the folder "."); `suite/x` counts as one folder. */
function folderGraph(dir: string): Map<string, Set<string>> {
  const base = path.join(root, dir);
  const folderOf = (file: string) => {
    const parts = path.relative(base, path.dirname(file)).split(path.sep);
    if (parts[0] === '') return '.';
    return parts[0] === 'suite' ? parts.slice(0, 2).join('/') : parts[0]!;
  };
  const graph = new Map<string, Set<string>>();
  for (const f of files(dir)) {
    const from = folderOf(f);
    for (const m of read(f).matchAll(/from '(\.[^']*)'/g)) {
      const target = path.resolve(path.dirname(f), m[1]!);
      if (!target.startsWith(base + path.sep)) continue;
      const to = folderOf(target);
      if (to !== from) graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
  }
  return graph;
}

/** The folders that depend on each other in a circle (strongly connected components of more than one). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

test('no import cycle between the folders of the server or of the web client', () => {
  assert.deepEqual(cycles(folderGraph('server/src')), [], 'server/src');
  assert.deepEqual(cycles(folderGraph('web/src')), [], 'web/src');
  // The check itself finds a cycle when there is one.
  assert.deepEqual(cycles(new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])]])), [['a', 'b', 'c']]);
});

test('one error style: domain errors are named classes, made in errors.ts files only', () => {
  const inline = files('server/src')
    .concat(files('platform/src'))
    .filter((f) => path.basename(f) !== 'errors.ts' && /new DomainError\(/.test(read(f)))
    .map(rel);
  assert.deepEqual(inline, []);
});

test('the edges cast no requests: no `as unknown as` in the socket handlers and HTTP routes', () => {
  const cast = files('server/src/gateway').concat(files('server/src/http')).filter((f) => read(f).includes('as unknown as')).map(rel);
  assert.deepEqual(cast, []);
});

test('workers depend on the platform package, never on the server', () => {
  for (const pkg of ['recorder', 'bots']) {
    const manifest = JSON.parse(read(path.join(root, pkg, 'package.json'))) as { dependencies: Record<string, string> };
    assert.ok(!('@parley/server' in manifest.dependencies), `${pkg}/package.json depends on @parley/server`);
    const users = files(`${pkg}/src`).filter((f) => /from '@parley\/server/.test(read(f)) || /from '(\.\.\/)+server\//.test(read(f))).map(rel);
    assert.deepEqual(users, [], `${pkg} imports the server`);
  }
});

test("web feature folders own their state and never import back up into meeting/", () => {
  const up = files('web/src')
    .filter((f) => !rel(f).startsWith('web/src/meeting/') && path.dirname(f) !== path.join(root, 'web/src'))
    .filter((f) => /from '\.\.\/meeting\//.test(read(f)))
    .map(rel);
  assert.deepEqual(up, []);
});
