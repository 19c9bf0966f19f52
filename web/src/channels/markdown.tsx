// Message text as Markdown, as Mattermost and kChat users write it (bold,
// italic, strike, code, fenced code with highlighting, quotes, lists, task
// lists, links, tables, headings), rendered in the reader's page: the server
// stores and fans out the text as typed and spends nothing per delivery.
//
// marked only tokenizes; the tokens become Preact nodes here, never HTML:
// raw HTML in a message shows as the characters typed, links are anchors
// only for http(s) and mailto, images show as links (a remote image would
// tell its server who reads the channel). Text that marked cannot take safely
// (nesting deeper than MAX_NESTING markers on a line, which recurses in the
// lexer, or over MAX_MARKDOWN characters, where emphasis parsing grows
// quadratic) is shown as plain text with its links and mentions.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Lexer, type Token, type Tokens } from 'marked';
import type { Run } from './highlight.ts';
import { fold } from '../ui/fold.ts';

/** Longest text parsed as Markdown (a 16 KB message of `a_a_a…` costs marked ~0.3 s; 6,000 characters ~40 ms). */
export const MAX_MARKDOWN = 6000;
/** Most quote or list markers opening one line (`> > > …`, `- - - …`): marked recurses once per marker. */
const MAX_NESTING = 8;
/** Deepest token tree rendered; below it the token's source shows as text. */
const MAX_DEPTH = 24;
// Each marker then its spaces: nothing two parts of it could both match, so no backtracking blow-up on hostile lines.
const DEEP_LINE = new RegExp(`^[ \\t]*(?:(?:>|[-*+]|\\d{1,9}[.)])[ \\t]*){${MAX_NESTING + 1},}`, 'm');

const MENTION = /(^|[^A-Za-z0-9_.@-])(@[A-Za-z0-9][A-Za-z0-9._-]{1,31})/g;
const URL_IN_TEXT = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])|(^|[^A-Za-z0-9_.@-])(@[A-Za-z0-9][A-Za-z0-9._-]{1,31})/g;
const SAFE_HREF = /^(?:https?:\/\/|mailto:)/i;

/** What rendering needs beside the text: the reader's username (their mentions stand out) and the words a search found (marked). */
interface Ctx {
  me: string | undefined;
  /** Search words, folded (see fold): a word of the text starting with one is marked. */
  terms: string[];
}


/** The words of a search query, without its in: and from: filters (server/src/chat/search-query.ts reads it the same way). */
export const searchWords = (query: string): string[] =>
  query.trim().split(/\s+/).filter((p) => !/^(in|from):/i.test(p)).flatMap((p) => p.split(/[^\p{L}\p{N}]+/u)).filter(Boolean);

/** Plain text with the words a search found in <mark>. */
function marks(text: string, terms: string[]): ComponentChildren[] {
  if (terms.length === 0) return [text];
  const out: ComponentChildren[] = [];
  let at = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = fold(m[0]);
    if (!terms.some((term) => word.startsWith(term))) continue;
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push(<mark class="hit">{m[0]}</mark>);
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

function Mention({ handle, me }: { handle: string; me: string | undefined }) {
  const name = handle.slice(1).replace(/\.+$/, '').toLowerCase();
  const mine = name === me || name === 'channel' || name === 'all' || name === 'here';
  return <span class={`mention${mine ? ' me' : ''}`}>{handle}</span>;
}

/** Plain text with its @mentions marked (and, with `links`, its http(s) URLs as anchors). */
function textNodes(text: string, ctx: Ctx, links: boolean): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let at = 0;
  for (const m of text.matchAll(links ? URL_IN_TEXT : MENTION)) {
    const url = links ? m[1] : undefined;
    const lead = links ? m[2] : m[1];
    const handle = links ? m[3] : m[2];
    if (url) {
      if (m.index > at) out.push(marks(text.slice(at, m.index), ctx.terms));
      out.push(
        <a href={url} target="_blank" rel="noopener noreferrer nofollow">
          {url}
        </a>,
      );
      at = m.index + url.length;
    } else if (handle) {
      const start = m.index + (lead?.length ?? 0);
      if (start > at) out.push(marks(text.slice(at, start), ctx.terms));
      out.push(<Mention handle={handle} me={ctx.me} />);
      at = start + handle.length;
    }
  }
  if (at < text.length) out.push(marks(text.slice(at), ctx.terms));
  return out;
}

/** Inline tokens (inside a paragraph, a heading, a cell, a link). */
function inline(tokens: Token[] | undefined, ctx: Ctx, depth: number): ComponentChildren[] {
  if (!tokens) return [];
  if (depth > MAX_DEPTH) return [tokens.map((t) => t.raw).join('')];
  return tokens.map((t) => {
    switch (t.type) {
      case 'text':
        return 'tokens' in t && t.tokens ? inline(t.tokens, ctx, depth + 1) : textNodes((t as Tokens.Text).text, ctx, false);
      case 'escape':
        return (t as Tokens.Escape).text;
      case 'strong':
        return <strong>{inline((t as Tokens.Strong).tokens, ctx, depth + 1)}</strong>;
      case 'em':
        return <em>{inline((t as Tokens.Em).tokens, ctx, depth + 1)}</em>;
      case 'del':
        return <del>{inline((t as Tokens.Del).tokens, ctx, depth + 1)}</del>;
      case 'codespan':
        return <code class="md-code">{(t as Tokens.Codespan).text}</code>;
      case 'br':
        return <br />;
      case 'link': {
        const link = t as Tokens.Link;
        if (!SAFE_HREF.test(link.href)) return link.raw;
        return (
          <a href={link.href} target="_blank" rel="noopener noreferrer nofollow" title={link.title ?? undefined}>
            {inline(link.tokens, ctx, depth + 1)}
          </a>
        );
      }
      case 'image': {
        const image = t as Tokens.Image;
        if (!SAFE_HREF.test(image.href)) return image.raw;
        return (
          <a href={image.href} target="_blank" rel="noopener noreferrer nofollow" class="md-image-link">
            {image.text || image.href}
          </a>
        );
      }
      case 'checkbox':
        return <input type="checkbox" checked={(t as Tokens.Checkbox).checked} disabled class="md-task" />;
      default:
        // Raw HTML and anything else: the characters typed.
        return t.raw;
    }
  });
}

/** Block tokens (paragraphs, code, quotes, lists, tables, headings). */
function blocks(tokens: Token[], ctx: Ctx, depth: number): ComponentChildren[] {
  if (depth > MAX_DEPTH) return [<p>{tokens.map((t) => t.raw).join('')}</p>];
  return tokens.map((t) => {
    switch (t.type) {
      case 'space':
      case 'def':
        return null;
      case 'paragraph':
        return <p>{inline((t as Tokens.Paragraph).tokens, ctx, depth + 1)}</p>;
      case 'text':
        // A tight list item's text.
        return inline((t as Tokens.Text).tokens ?? [t], ctx, depth + 1);
      case 'heading': {
        const h = t as Tokens.Heading;
        return <p class={`md-h md-h${Math.min(h.depth, 4)}`}>{inline(h.tokens, ctx, depth + 1)}</p>;
      }
      case 'code': {
        const code = t as Tokens.Code;
        return <CodeBlock text={code.text} lang={(code.lang ?? '').split(/\s/)[0]!.toLowerCase()} />;
      }
      case 'blockquote':
        return <blockquote class="md-quote">{blocks((t as Tokens.Blockquote).tokens, ctx, depth + 1)}</blockquote>;
      case 'list': {
        const list = t as Tokens.List;
        const items = list.items.map((item) => <li class={item.task ? 'md-task-item' : undefined}>{blocks(item.tokens, ctx, depth + 1)}</li>);
        return list.ordered ? <ol start={typeof list.start === 'number' ? list.start : undefined}>{items}</ol> : <ul>{items}</ul>;
      }
      case 'table': {
        const table = t as Tokens.Table;
        const align = (a: Tokens.TableCell['align']) => (a ? { textAlign: a } : undefined);
        return (
          <div class="md-table">
            <table>
              <thead>
                <tr>
                  {table.header.map((c) => (
                    <th style={align(c.align)}>{inline(c.tokens, ctx, depth + 1)}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {table.rows.map((row) => (
                  <tr>
                    {row.map((c) => (
                      <td style={align(c.align)}>{inline(c.tokens, ctx, depth + 1)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      }
      case 'hr':
        return <hr />;
      case 'checkbox':
        // A task list item's box: shown, not ticked from here.
        return <input type="checkbox" checked={(t as Tokens.Checkbox).checked} disabled class="md-task" />;
      default:
        // Block HTML and anything else: the characters typed.
        return <p>{t.raw}</p>;
    }
  });
}

/** A fenced code block; with a language, highlighted once the highlighter (its own chunk, loaded when first needed) is there. */
function CodeBlock({ text, lang }: { text: string; lang: string }) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  useEffect(() => {
    if (!lang) return;
    let live = true;
    void import('./highlight.ts').then(({ highlight }) => live && setRuns(highlight(text, lang)));
    return () => {
      live = false;
    };
  }, [text, lang]);
  return (
    <pre class="md-pre" data-lang={lang || undefined}>
      <code>{runs ? runs.map((r) => (r.cls ? <span class={r.cls}>{r.text}</span> : r.text)) : text}</code>
    </pre>
  );
}

/** Whether marked may take this text (see MAX_MARKDOWN and MAX_NESTING). */
export function markdownSafe(text: string): boolean {
  return text.length <= MAX_MARKDOWN && !DEEP_LINE.test(text);
}

/** Text from the server's own lines (system messages): links and mentions, no Markdown (a name typed as `**x**` stays as typed). */
export function PlainText({ text, myUsername }: { text: string; myUsername: string | undefined }) {
  return <span class="msg-text">{textNodes(text, { me: myUsername, terms: [] }, true)}</span>;
}

/** The message's text, rendered: Markdown where it is safe to parse, else plain text with links and mentions. */
export function MessageText({ text, myUsername, highlight }: { text: string; myUsername: string | undefined; highlight?: string[] }) {
  const terms = highlight?.join(' ') ?? '';
  const nodes = useMemo(() => {
    const ctx: Ctx = { me: myUsername, terms: terms ? terms.split(' ').map(fold) : [] };
    if (markdownSafe(text)) {
      try {
        return blocks(Lexer.lex(text, { gfm: true, breaks: true }), ctx, 0);
      } catch {
        // Falls through to plain text.
      }
    }
    return textNodes(text, ctx, true);
  }, [text, myUsername, terms]);
  return <div class="msg-text md">{nodes}</div>;
}
