// Copying a card into another address book one may write to, or moving it
// there (out of its own book, which must then be one's to change too).
import { useState } from 'preact/hooks';
import type { AddressBookView, ContactView } from '@parley/protocol';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import type { ContactsApi } from './api.ts';

export function CopyContact(p: { api: ContactsApi; contact: ContactView; books: AddressBookView[]; canMove: boolean; close: () => void; done: (to: AddressBookView, moved: boolean) => void }) {
  const targets = p.books.filter((b) => b.id !== p.contact.bookId && b.access !== 'read');
  const [bookId, setBookId] = useState(targets[0]?.id ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (move: boolean) => {
    const to = targets.find((b) => b.id === bookId);
    if (!to) return;
    setBusy(true);
    setError(null);
    try {
      await p.api.copy(p.contact.id, to.id, move);
      p.done(to, move);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t(p.canMove ? 'contacts.copy.title' : 'contacts.copy.titleCopy', { name: p.contact.displayName })} close={p.close}>
      <form
        class="dialog-form"
        data-testid="copy-contact"
        onSubmit={(e) => {
          e.preventDefault();
          void run(false);
        }}
      >
        <label>
          {t('contacts.copy.to')}
          <select data-testid="copy-book" value={bookId} onChange={(e) => setBookId((e.target as HTMLSelectElement).value)}>
            {targets.map((b) => (
              <option key={b.id} value={b.id}>
                {b.ownerName ? `${b.name} (${b.ownerName})` : b.name}
              </option>
            ))}
          </select>
        </label>
        {error && (
          <p class="hint error" role="alert" data-testid="copy-error">
            {error}
          </p>
        )}
        <div class="row">
          <button type="submit" class="primary" data-testid="copy-run" disabled={busy || !bookId}>
            {t('contacts.copy.copy')}
          </button>
          {p.canMove && (
            <button type="button" data-testid="move-run" disabled={busy || !bookId} onClick={() => void run(true)}>
              {t('contacts.copy.move')}
            </button>
          )}
        </div>
      </form>
    </Dialog>
  );
}
