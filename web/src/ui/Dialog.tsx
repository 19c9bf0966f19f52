// A modal dialog: a title bar with a close button; a click on the backdrop closes it.
import type { ComponentChildren } from 'preact';
import { t } from '../i18n/index.ts';
import { Icon } from './icons.tsx';
import { X as XIcon } from 'lucide';

export function Dialog({ title, close, children, wide }: { title: string; close: () => void; children: ComponentChildren; wide?: boolean }) {
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && close()}>
      <div class={`dialog${wide ? ' wide' : ''}`} role="dialog" aria-label={title}>
        <header class="pane-head">
          <strong>{title}</strong>
          <button type="button" class="icon-btn" aria-label={t('ui.dialog.close')} title={t('ui.dialog.close')} onClick={close}>
            <Icon icon={XIcon} size={18} />
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}
