// A modal dialog on the browser's own <dialog> (showModal): the page behind
// is inert, Tab stays inside, Escape closes it, and focus goes back where it
// was. A click on the backdrop (pressed and released outside the box) closes
// it too. It opens on its first field, not on its close button (a keyboard
// user's first Enter would throw the dialog away).
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { X as XIcon } from 'lucide';
import { t } from '../i18n/index.ts';
import { IconButton } from './icons.tsx';

export function Dialog({ title, close, children, wide }: { title: string; close: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const pressedOutside = useRef(false);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current!;
    const before = document.activeElement as HTMLElement | null;
    dialog.showModal();
    dialog.querySelector<HTMLElement>('.dialog-body input:not([type=hidden]), .dialog-body select, .dialog-body textarea, .dialog-body button, .dialog-body a[href]')?.focus();
    return () => {
      dialog.close();
      // Back where it was (if that is still on the page: a deleted item's button is not).
      if (before?.isConnected) before.focus();
    };
  }, []);
  const outside = (e: MouseEvent) => {
    const dialog = ref.current;
    if (!dialog || e.target !== dialog) return false;
    const box = dialog.getBoundingClientRect();
    return e.clientX < box.left || e.clientX > box.right || e.clientY < box.top || e.clientY > box.bottom;
  };
  return (
    <dialog
      ref={ref}
      class={`dialog${wide ? ' wide' : ''}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        // Escape: the owner closes it (it decides what closing means), not the browser behind its back.
        e.preventDefault();
        close();
      }}
      onPointerDown={(e) => (pressedOutside.current = outside(e))}
      onClick={(e) => {
        if (pressedOutside.current && outside(e)) close();
        pressedOutside.current = false;
      }}
    >
      <header class="pane-head">
        <strong id={titleId}>{title}</strong>
        <IconButton icon={XIcon} label={t('ui.dialog.close')} size={18} onClick={close} />
      </header>
      <div class="dialog-body">{children}</div>
    </dialog>
  );
}
