// Reading a file of contacts as it arrives: UTF-8 only (another encoding is
// said to be one, not stored garbled), at most 50 MB and 10,000 lines
// (counted as the bytes come, so a file past either is refused without
// being held), vCards (3.0 and 4.0) one at a time by ical.js, CSV by
// papaparse's streaming parser. Each card or row keeps the line it starts
// on: an import is all or nothing, and its refusal names that line.
import type { Readable } from 'node:stream';
import Papa from 'papaparse';
import { DomainError, IMPORT_LIMITS } from '@parley/protocol';
import { fromVcard, type ParsedVcard } from './vcard.ts';

/** An import refused: `line N: why`, or why for the whole file. */
export class InvalidImport extends DomainError {
  constructor(message: string) {
    super('INVALID_IMPORT', message);
  }
}

/** The file's text in pieces as it arrives, checked for UTF-8 and the limits. */
async function* pieces(body: AsyncIterable<Buffer | string>, limits: { bytes: number; lines: number }): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let lines = 1;
  let first = true;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buf.length;
    if (bytes > limits.bytes) throw new InvalidImport(`the file is over ${limits.bytes / 1024 / 1024} MB: split it`);
    let text: string;
    try {
      text = decoder.decode(buf, { stream: true });
    } catch {
      throw new InvalidImport('the file is not UTF-8 text: save it as UTF-8 (in a spreadsheet: CSV UTF-8) and import it again');
    }
    if (first && text) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    if (text.includes('\u0000')) throw new InvalidImport('the file is not text (it holds NUL bytes)');
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
    if (lines > limits.lines + 1) throw new InvalidImport(`the file has more than ${limits.lines.toLocaleString('en')} lines: split it`);
    yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch {
    throw new InvalidImport('the file is not UTF-8 text: save it as UTF-8 and import it again');
  }
}

/** Lets the event loop go between pieces of work (a meeting's or a chat's turn). */
const breathe = () => new Promise<void>((r) => setImmediate(r));

/** The vCards of a file, each parsed with the line its BEGIN:VCARD is on. */
export async function readVcards(body: AsyncIterable<Buffer | string>, limits = IMPORT_LIMITS): Promise<{ line: number; card: ParsedVcard }[]> {
  const cards: { line: number; card: ParsedVcard }[] = [];
  let buffer = '';
  let lineNo = 0;
  let start = 0;
  let current: string[] | null = null;
  const take = (line: string) => {
    lineNo++;
    // Not trimmed at the start: a folded line (" BEGIN:VCARD" inside a note) is no vCard's start.
    const upper = line.trimEnd().toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      if (current) throw new InvalidImport(`line ${lineNo}: a vCard begins inside another (line ${start})`);
      current = [line];
      start = lineNo;
    } else if (current) {
      current.push(line);
      if (upper === 'END:VCARD') {
        try {
          cards.push({ line: start, card: fromVcard(current.join('\r\n'), { strict: true }) });
        } catch (e) {
          throw new InvalidImport(`line ${start}: ${(e as Error).message}`);
        }
        current = null;
      }
    } else if (line.trim()) throw new InvalidImport(`line ${lineNo}: not in a vCard (BEGIN:VCARD … END:VCARD)`);
  };
  for await (const piece of pieces(body, limits)) {
    buffer += piece;
    const parts = buffer.split(/\r?\n/);
    buffer = parts.pop()!;
    for (const line of parts) take(line);
    await breathe();
  }
  if (buffer) take(buffer);
  if (current) throw new InvalidImport(`line ${start}: a vCard with no END:VCARD`);
  if (!cards.length) throw new InvalidImport('no vCard in the file (BEGIN:VCARD … END:VCARD)');
  return cards;
}

export interface CsvOptions {
  /** A comma, a semicolon (French, German and Italian spreadsheets), a tab; guessed when absent. */
  separator?: string;
}

/** The rows of a CSV file (each with its line, counting from 1), parsed as they arrive; the separator as given, else guessed from the first line. */
export async function readCsv(body: AsyncIterable<Buffer | string>, opts: CsvOptions, limits = IMPORT_LIMITS): Promise<{ rows: { line: number; cells: string[] }[]; separator: string }> {
  const rows: { line: number; cells: string[] }[] = [];
  let separator = opts.separator;
  let parser: (NodeJS.ReadWriteStream & Readable) | undefined;
  let done: Promise<void> = Promise.resolve();
  let line = 1;
  const start = (firstLine: string) => {
    separator ??= guessSeparator(firstLine);
    // Empty lines are given as rows (and left out here): the lines counted stay the file's.
    parser = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter: separator, skipEmptyLines: false }) as unknown as NodeJS.ReadWriteStream & Readable;
    parser.on('data', (cells: string[]) => {
      if (cells.some((c) => c.trim())) rows.push({ line, cells });
      // A quoted cell may run over several lines: the next row starts after them.
      line += 1 + cells.reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);
    });
    done = new Promise<void>((resolve, reject) => {
      parser!.on('end', resolve);
      parser!.on('error', reject);
    });
  };
  let failure: Error | undefined;
  // The separator is guessed from the whole first line: what comes before it is held until it is there.
  let held = '';
  const write = async (text: string) => {
    if (!parser!.write(text)) await new Promise((r) => parser!.once('drain', r));
  };
  try {
    for await (const piece of pieces(body, limits)) {
      if (parser) await write(piece);
      else {
        held += piece;
        if (held.includes('\n')) {
          start(held.split('\n', 1)[0]!);
          await write(held);
        }
      }
      await breathe();
    }
    if (!parser && held) {
      start(held);
      await write(held);
    }
  } catch (e) {
    failure = e as Error;
  }
  parser?.end();
  await done;
  if (failure) throw failure;
  if (!rows.length) throw new InvalidImport('the file has no rows');
  return { rows, separator: separator ?? ',' };
}

/** The separator the first line uses most, outside quotes: a comma, a semicolon (French, German, Italian spreadsheets), a tab or a bar. */
export function guessSeparator(firstLine: string): string {
  const bare = firstLine.replace(/"[^"]*"/g, '');
  const counts = [',', ';', '\t', '|'].map((sep) => [sep, bare.split(sep).length - 1] as const);
  const [best] = [...counts].sort((a, b) => b[1] - a[1]);
  return best![1] > 0 ? best![0] : ',';
}
