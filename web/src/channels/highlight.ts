// Code highlighting for fenced code blocks (markdown.tsx loads this chunk
// when a block names its language): lowlight gives highlight.js's result as
// a tree, flattened here into runs of text with their classes, which
// markdown.tsx renders as spans (no HTML string, as for all message text;
// no Preact here, so this chunk shares no code with the pages).
import { common, createLowlight } from 'lowlight';

const lowlight = createLowlight(common);
/** Longest code highlighted (a message is at most 16 KB; this keeps a hostile one from costing much). */
const MAX_CODE = 8000;

interface HastNode { type: string; value?: string; properties?: { className?: string[] }; children?: HastNode[] }
export interface Run { text: string; cls: string }

function flatten(list: HastNode[], cls: string, out: Run[]): Run[] {
  for (const n of list) {
    if (n.type === 'text') out.push({ text: n.value ?? '', cls });
    else if (n.type === 'element') {
      // highlight.js's classes only (hljs-keyword, hljs-string…): what the theme in chat.css colours; the innermost wins.
      const own = (n.properties?.className ?? []).filter((c) => /^hljs-[a-z_-]+$/.test(c)).join(' ');
      flatten(n.children ?? [], own || cls, out);
    }
  }
  return out;
}

/** The code as runs of classed text, or null when the language is unknown (the block stays plain). */
export function highlight(code: string, lang: string): Run[] | null {
  if (code.length > MAX_CODE || !lowlight.registered(lang)) return null;
  try {
    return flatten(lowlight.highlight(lang, code).children as HastNode[], '', []);
  } catch {
    return null;
  }
}
