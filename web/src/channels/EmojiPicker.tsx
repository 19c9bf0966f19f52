// The emoji picker as a popover (for the composer and for reactions) and the
// composer's :shortcode: suggestions. The picker's code and data load with
// its first use (emoji.ts), not with the chat page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { language } from '../i18n/index.ts';
import { theme } from '../prefs/theme.ts';

const dark = () => theme.value === 'dark' || (theme.value === 'auto' && matchMedia('(prefers-color-scheme: dark)').matches);

/**
 * The picker, open until an emoji is picked, Escape, or a press outside it
 * (except on its own toggle, `data-emoji-toggle={owner}`, which closes it
 * itself). Its search box takes the focus; `onPick` and `close` are read when
 * they are called, never as they were when it opened.
 */
export function EmojiPopover({ onPick, close, label, place, owner }: { onPick: (emoji: string) => void; close: () => void; label: string; place: 'composer' | 'message'; owner: string }) {
  const box = useRef<HTMLDivElement>(null);
  const latest = useRef({ onPick, close });
  latest.current = { onPick, close };
  useEffect(() => {
    let live = true;
    let picker: HTMLElement | undefined;
    void import('./emoji.ts').then(async ({ createPicker }) => {
      if (!live || !box.current) return;
      picker = createPicker(language.value, dark());
      picker.addEventListener('emoji-click', (e) => {
        const unicode = (e as CustomEvent<{ unicode?: string }>).detail.unicode;
        if (unicode) latest.current.onPick(unicode);
      });
      box.current.append(picker);
      // Its search box appears once it has drawn itself (a few frames at most).
      for (let i = 0; i < 20 && live; i++) {
        const search = picker.shadowRoot?.querySelector<HTMLInputElement>('input[type=search]');
        if (search) return search.focus();
        await new Promise((r) => requestAnimationFrame(r));
      }
    });
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') latest.current.close();
    };
    const onDown = (e: PointerEvent) => {
      const target = e.target as Element;
      if (box.current?.contains(target) || target.closest?.('[data-emoji-toggle]')?.getAttribute('data-emoji-toggle') === owner) return;
      latest.current.close();
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onDown, true);
    return () => {
      live = false;
      picker?.remove();
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onDown, true);
    };
  }, []);
  return <div class={`emoji-popover ${place}`} ref={box} role="dialog" aria-label={label} data-testid="emoji-picker" />;
}

/** What the composer's text ends with, if it is a :shortcode being typed (two characters at least, as Mattermost waits for). */
export const SHORTCODE_TAIL = /(?:^|\s):([a-z0-9_+-]{2,32})$/i;

/** Emoji for the :shortcode being typed at the end of `text` (none while there is none, nor while the lookup for this prefix runs). */
export function useShortcodes(text: string): { unicode: string; shortcode: string }[] {
  const [found, setFound] = useState<{ prefix: string; list: { unicode: string; shortcode: string }[] }>({ prefix: '', list: [] });
  const prefix = SHORTCODE_TAIL.exec(text)?.[1] ?? '';
  useEffect(() => {
    if (!prefix) return;
    let live = true;
    void import('./emoji.ts')
      .then(({ byShortcode }) => byShortcode(prefix))
      .then((list) => live && setFound({ prefix, list }), () => live && setFound({ prefix, list: [] }));
    return () => {
      live = false;
    };
  }, [prefix]);
  // A list found for another prefix (the one typed a key ago) is not offered: Enter would take a stale emoji.
  return prefix && found.prefix === prefix ? found.list : [];
}
