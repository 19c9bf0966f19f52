// Duplicates in an address book, or across all the books one may write to:
// each group of cards that look like one person, what they share, the cards
// to merge (all, or those one leaves in; at most 20 at once) and the one
// kept (its name, its book, and its place on the phones that have it); the
// others go to their books' trash, where they can be restored.
import { useEffect, useRef, useState } from 'preact/hooks';
import { CONTACT_LIMITS, type AddressBookView, type ContactView, type DuplicateGroupView } from '@parley/protocol';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import type { ContactsApi } from './api.ts';

export function Duplicates(p: { api: ContactsApi; book: AddressBookView; books: AddressBookView[]; close: () => void; merged: (into: ContactView, count: number) => void }) {
  /** Sought in every book one may write to, not only this one. */
  const [everywhere, setEverywhere] = useState(false);
  /** The groups found, with where they were sought: an answer for the other choice is never shown under this one. */
  const [found, setFound] = useState<{ everywhere: boolean; groups: DuplicateGroupView[] } | null>(null);
  const groups = found && found.everywhere === everywhere ? found.groups : null;
  const find = (all: boolean) => (all ? p.api.duplicatesEverywhere() : p.api.duplicates(p.book.id)).then((g) => ({ everywhere: all, groups: g }));
  /** The last reading started: an older one answering late is dropped. */
  const reading = useRef(0);
  const read = async (all: boolean) => {
    const ticket = ++reading.current;
    const answer = await find(all);
    if (ticket === reading.current) setFound(answer);
  };
  const bookName = (id: string) => p.books.find((b) => b.id === id)?.name ?? '';
  const [error, setError] = useState<string | null>(null);
  /** The card kept in each group, and the cards left out of its merge (by the group's first card's id). */
  const [keep, setKeep] = useState<Record<string, string>>({});
  const [left, setLeft] = useState<Record<string, string[]>>({});
  /** What a group's merge takes: the cards not left out (those past the 20 a merge takes at most start out). */
  const taken = (g: DuplicateGroupView) => {
    const first = g.contacts[0]!.id;
    const out = left[first] ?? g.contacts.slice(CONTACT_LIMITS.mergeAtOnce).map((c) => c.id);
    return g.contacts.filter((c) => !out.includes(c.id)).map((c) => c.id);
  };
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setError(null);
    // What was picked for the other choice's groups does not carry over.
    setKeep({});
    setLeft({});
    read(everywhere).catch((e: unknown) => setError(errorText(e)));
  }, [p.book.id, everywhere]);
  const kept = (g: DuplicateGroupView) => {
    const ids = taken(g);
    const chosen = keep[g.contacts[0]!.id];
    return chosen && ids.includes(chosen) ? chosen : ids[0];
  };
  const merge = async (g: DuplicateGroupView) => {
    const ids = taken(g);
    const into0 = kept(g)!;
    setBusy(true);
    setError(null);
    try {
      const order = [into0, ...ids.filter((id) => id !== into0)];
      const into = await (everywhere ? p.api.mergeEverywhere(order) : p.api.merge(p.book.id, order));
      p.merged(into, ids.length);
      // Cards left out of the merge stay listed if two of them are still alike: the list is read again.
      await read(everywhere);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={everywhere ? t('contacts.duplicates.titleEverywhere') : t('contacts.duplicates.title', { book: p.book.name })} close={p.close} wide>
      <div class="dialog-form" data-testid="duplicates">
        <label class="check">
          <input type="checkbox" checked={everywhere} disabled={busy} data-testid="duplicates-everywhere" onChange={(e) => setEverywhere((e.target as HTMLInputElement).checked)} />
          {t('contacts.duplicates.everywhere')}
        </label>
        {groups === null && !error && <p class="dim">{t('contacts.loading')}</p>}
        {groups?.length === 0 && (
          <p class="dim" data-testid="duplicates-none">
            {t('contacts.duplicates.none')}
          </p>
        )}
        {groups && groups.length > 0 && <p class="dim">{t('contacts.duplicates.explain')}</p>}
        {groups && groups.length > 0 && <p class="dim small">{t('contacts.duplicates.legend')}</p>}
        {groups?.map((g) => {
          const first = g.contacts[0]!.id;
          const ids = taken(g);
          return (
            <fieldset key={first} class="duplicate-group" data-testid="duplicate-group">
              <legend>{g.reasons.map((r) => t(`contacts.duplicates.reason.${r}`)).join(' · ')}</legend>
              {g.contacts.map((c) => {
                const inIt = ids.includes(c.id);
                return (
                  <div key={c.id} class="duplicate-card">
                    <input
                      type="checkbox"
                      checked={inIt}
                      aria-label={t('contacts.duplicates.include', { name: c.displayName })}
                      aria-describedby={`dup-${c.id}`}
                      data-testid="duplicate-include"
                      onChange={() => setLeft({ ...left, [first]: g.contacts.map((x) => x.id).filter((id) => (id === c.id ? inIt : !ids.includes(id))) })}
                    />
                    <label class="check">
                      <input type="radio" name={`keep-${first}`} aria-label={t('contacts.duplicates.keep', { name: c.displayName })} aria-describedby={`dup-${c.id}`} disabled={!inIt} checked={kept(g) === c.id} data-testid="duplicate-keep" onChange={() => setKeep({ ...keep, [first]: c.id })} />
                      <span>
                        <strong>{c.displayName}</strong>
                        <span class="dim duplicate-sub" id={`dup-${c.id}`}>{[everywhere ? t('contacts.duplicates.inBook', { book: bookName(c.bookId) }) : '', c.organization, ...c.emails.map((e) => e.value), ...c.phones.map((x) => x.value)].filter(Boolean).join(' · ')}</span>
                      </span>
                    </label>
                  </div>
                );
              })}
              <button type="button" class="primary" disabled={busy || ids.length < 2 || ids.length > CONTACT_LIMITS.mergeAtOnce} data-testid="duplicate-merge" onClick={() => void merge(g)}>
                {t('contacts.duplicates.merge', { count: ids.length })}
              </button>
            </fieldset>
          );
        })}
        {error && (
          <p class="hint error" role="alert" data-testid="duplicates-error">
            {error}
          </p>
        )}
      </div>
    </Dialog>
  );
}
