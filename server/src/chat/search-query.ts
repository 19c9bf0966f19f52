// A chat search as people type it, Mattermost's way: words, and the filters
// `in:channel` (or `in:#channel`) and `from:username` (or `from:@username`).
// The words become a tsquery of quoted prefixes in message-store.ts. A word
// keeps what PostgreSQL's parser keeps inside one (letters, digits and the
// . @ _ / + - of domains, addresses, files and versions: "example.com" is one
// stored word, and found whole); quotes, backslashes, parentheses and the
// like are dropped, so nothing typed is read as tsquery syntax.

export interface SearchQuery {
  /** Letters, digits and . @ _ / + - only (see above); each matched as a prefix. */
  words: string[];
  channel: string | null;
  from: string | null;
}

/** Most words a query keeps (each is an index probe). */
export const MAX_SEARCH_WORDS = 8;
/** Longest word kept (a longer one is cut: no stored word is that long anyway). */
const MAX_WORD = 64;
/** Shortest word searched: a one-letter prefix would read every indexed word starting with it. */
const MIN_WORD = 2;

export function parseSearch(text: string): SearchQuery {
  const query: SearchQuery = { words: [], channel: null, from: null };
  for (const part of text.trim().split(/\s+/)) {
    const filter = /^(in|from):[#@]?(.+)$/i.exec(part);
    if (filter) {
      if (filter[1]!.toLowerCase() === 'in') query.channel = filter[2]!.slice(0, 64);
      else query.from = filter[2]!.slice(0, 64);
      continue;
    }
    // Separators at its ends are no part of a word ("(robot)," is robot).
    const word = part.replace(/[^\p{L}\p{N}.@_/+-]+/gu, '').replace(/^[.@_/+-]+|[.@_/+-]+$/g, '').slice(0, MAX_WORD);
    if (word.length >= MIN_WORD && /[\p{L}\p{N}]/u.test(word) && query.words.length < MAX_SEARCH_WORDS) query.words.push(word);
  }
  return query;
}

/** Whether the query asks for anything (an empty one is not run). */
export const searchable = (q: SearchQuery): boolean => q.words.length > 0 || q.channel !== null || q.from !== null;
