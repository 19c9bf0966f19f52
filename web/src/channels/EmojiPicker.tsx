// The emoji picker as a popover (for the composer and for reactions) and the
// composer's :shortcode: suggestions. The picker's code and data load with
// its first use (emoji.ts), not with the chat page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { language } from '../i18n/index.ts';
import { theme } from '../prefs/theme.ts';

const dark = () => theme.value === 'dark' || (theme.value === 'auto' && matchMedia('(prefers-color-scheme: dark)').matches);

/**
 * The picker, open until an emoji is picked, Escape, or a press outside it
 * (except on its own toggle, marked data-emoji-toggle, which closes it itself).
 */
export function EmojiPopover({ onPick, close, label, place }: { onPick: (emoji: string) => void; close: () => void; label: string; place: 'composer' | 'message' }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let live = true;
    let picker: HTMLElement | undefined;
    void import('./emoji.ts').then(({ createPicker }) => {
      if (!live || !box.current) return;
      picker = createPicker(language.value, dark());
      picker.addEventListener('emoji-click', (e) => {
        const unicode = (e as CustomEvent<{ unicode?: string }>).detail.unicode;
        if (unicode) onPick(unicode);
      });
      box.current.append(picker);
    });
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close();
    };
    const onDown = (e: PointerEvent) => {
      const target = e.target as Element;
      if (box.current?.contains(target) || target.closest?.('[data-emoji-toggle]')) return;
      close();
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

/** Emoji for the :shortcode being typed at the end of `text` (none while there is none), looked up as it changes. */
export function useShortcodes(text: string): { unicode: string; shortcode: string }[] {
  const [found, setFound] = useState<{ unicode: string; shortcode: string }[]>([]);
  const prefix = SHORTCODE_TAIL.exec(text)?.[1] ?? '';
  useEffect(() => {
    if (!prefix) return setFound([]);
    let live = true;
    void import('./emoji.ts')
      .then(({ byShortcode }) => byShortcode(prefix))
      .then((list) => live && setFound(list), () => live && setFound([]));
    return () => {
      live = false;
    };
  }, [prefix]);
  return prefix ? found : [];
}
