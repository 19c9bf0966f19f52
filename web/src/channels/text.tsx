// Message text as Preact nodes, never as HTML: whatever people type (tags,
// scripts, entities) shows as the characters they typed. Links become
// anchors only for http(s) URLs; @mentions are highlighted.
import type { ComponentChildren } from 'preact';

const TOKEN = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])|(^|[^A-Za-z0-9_.@-])(@[A-Za-z0-9][A-Za-z0-9._-]{1,31})/g;

export function MessageText({ text, myUsername }: { text: string; myUsername: string | undefined }) {
  const out: ComponentChildren[] = [];
  let at = 0;
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index;
    if (m[1]) {
      if (start > at) out.push(text.slice(at, start));
      out.push(
        <a href={m[1]} target="_blank" rel="noopener noreferrer nofollow">
          {m[1]}
        </a>,
      );
      at = start + m[1].length;
    } else if (m[3]) {
      const mentionStart = start + m[2]!.length;
      if (mentionStart > at) out.push(text.slice(at, mentionStart));
      const name = m[3].slice(1).replace(/\.+$/, '').toLowerCase();
      const me = name === myUsername || name === 'channel' || name === 'all' || name === 'here';
      out.push(<span class={`mention${me ? ' me' : ''}`}>{m[3]}</span>);
      at = mentionStart + m[3].length;
    }
  }
  if (at < text.length) out.push(text.slice(at));
  return <span class="msg-text">{out}</span>;
}
