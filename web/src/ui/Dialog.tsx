// A modal dialog on the browser's own <dialog> (showModal): the page behind
// is inert, Tab stays inside, Escape closes it, and focus goes back where it
// was. A click on the backdrop (outside the box) closes it too.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { X as XIcon } from 'lucide';
import { t } from '../i18n/index.ts';
import { Icon } from './icons.tsx';

export function Dialog({ title, close, children, wide }: { title: string; close: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current!;
    const before = document.activeElement as HTMLElement | null;
    dialog.showModal();
    return () => {
      dialog.close();
      before?.focus();
    };
  }, []);
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
      onClick={(e) => {
        const dialog = ref.current;
        if (!dialog || e.target !== dialog) return;
        const box = dialog.getBoundingClientRect();
        const inside = e.clientX >= box.left && e.clientX <= box.right && e.clientY >= box.top && e.clientY <= box.bottom;
        if (!inside) close();
      }}
    >
      <header class="pane-head">
        <strong id={titleId}>{title}</strong>
        <button type="button" class="icon-btn" aria-label={t('ui.dialog.close')} title={t('ui.dialog.close')} onClick={close}>
          <Icon icon={XIcon} size={18} />
        </button>
      </header>
      {children}
    </dialog>
  );
}
