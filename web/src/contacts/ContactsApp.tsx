// The contacts screen: one's address books in the sidebar (a drawer on a
// phone), the chosen book's people by name, a search across every book
// (accents and case aside), a person's card beside the list (instead of it,
// on a phone), the editor, the trash (30 days) and the vCard export. Devices
// see the same cards over CardDAV (README, "Connecting a phone"). Below the
// books, each organization's directory (not for guests; no export).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AddressBookView, ContactView, DirectoryEntryView, OrgView } from '@parley/protocol';
import { Upload as UploadIcon, Download as DownloadIcon, Menu as MenuIcon, Plus as PlusIcon, Trash2 as TrashIcon, Users as UsersIcon } from 'lucide';
import { errorText } from '../i18n/errors.ts';
import { formatNumber } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';
import { Icon, IconButton } from '../ui/icons.tsx';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { useDrawer } from '../ui/drawer.ts';
import { contactsApi } from './api.ts';
import { followChanges } from '../core/changes.ts';
import { api as accountApi } from '../core/api.ts';
import { signedOut } from '../account/session.ts';
import { ContactCard, ContactRow } from './ContactCard.tsx';
import { ContactEditor } from './ContactEditor.tsx';
import { CopyContact } from './CopyContact.tsx';
import { Duplicates } from './Duplicates.tsx';
import { ShareBook } from './ShareBook.tsx';
import { ImportDialog } from './ImportDialog.tsx';
import { CardHead, DirectoryCard, PersonRow } from './DirectoryCard.tsx';
import { fold } from '../ui/fold.ts';
import './contacts.css';

/** Rows drawn at once: a book of 20,000 people is found by its search, not scrolled. */
const SHOWN = 500;

export function ContactsApp({ token }: { token: string }) {
  const api = useMemo(() => contactsApi(token), [token]);
  const [books, setBooks] = useState<AddressBookView[] | null>(null);
  const [bookId, setBookId] = useState<string | null>(null);
  /** The list shown and the view (`mode:bookId`) it was read for: another view's cards are never shown for this one. */
  const [listed, setListed] = useState<{ view: string; list: ContactView[] }>({ view: '', list: [] });
  const [mode, setMode] = useState<'list' | 'trash' | 'directory'>('list');
  const [orgs, setOrgs] = useState<OrgView[]>([]);
  const [meId, setMeId] = useState('');
  const [sharing, setSharing] = useState(false);
  const [copying, setCopying] = useState<ContactView | null>(null);
  const [deduping, setDeduping] = useState(false);
  const [org, setOrg] = useState<OrgView | null>(null);
  const [entries, setEntries] = useState<DirectoryEntryView[]>([]);
  const [entry, setEntry] = useState<DirectoryEntryView | null>(null);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<ContactView[] | null>(null);
  const [selected, setSelected] = useState<ContactView | null>(null);
  const [editing, setEditing] = useState<ContactView | 'new' | null>(null);
  const [importing, setImporting] = useState(false);
  /** The group the list shows ('' for everyone), and the group being deleted (with its contacts, if asked). */
  const [group, setGroup] = useState('');
  const [dropping, setDropping] = useState<{ name: string; withContacts: boolean } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [drawer, setDrawer] = useDrawer();
  const fail = (e: unknown) => setNotice(errorText(e));

  /** The books' readings started, and the newest shown: an older answer arriving after a newer one is not shown over it. */
  const booksRead = useRef({ started: 0, shown: 0 });
  const loadBooks = async () => {
    const ticket = ++booksRead.current.started;
    const list = await api.books();
    if (ticket < booksRead.current.shown) return list;
    booksRead.current.shown = ticket;
    setBooks(list);
    setBookId((id) => (id && list.some((b) => b.id === id) ? id : (list[0]?.id ?? null)));
    return list;
  };
  /**
   * Reads the list shown (the book's cards, or its trash). A load started
   * for a view since left (another book opened while a live change was
   * being read) answers late, and is not shown. Of a view's loads, each is
   * shown unless a newer one has been: when one resolves, the list is at
   * least as new as it (a caller may then say "done").
   */
  const shownView = useRef('');
  shownView.current = `${mode}:${bookId}`;
  const loads = useRef(new Map<string, { started: number; shown: number }>());
  const loadContacts = async (): Promise<ContactView[] | undefined> => {
    if (!bookId) return undefined;
    const view = `${mode}:${bookId}`;
    const of = loads.current.get(view) ?? { started: 0, shown: 0 };
    loads.current.set(view, of);
    const ticket = ++of.started;
    // A reading that fails ends the view's loading all the same (the notice says why; the list shows none yet).
    const list = await (mode === 'trash' ? api.trash(bookId) : api.contacts(bookId)).catch((e: unknown) => {
      if (view === shownView.current) setListed((l) => (l.view === view ? l : { view, list: [] }));
      throw e;
    });
    if (view !== shownView.current || ticket < of.shown) return undefined;
    of.shown = ticket;
    setListed({ view, list });
    return list;
  };
  useEffect(() => void loadBooks().catch(fail), [api]);
  // A change made elsewhere (another tab, a phone over CardDAV, an import) shows at once; what is being edited stays.
  const [heard, setHeard] = useState(0);
  useEffect(() => followChanges(token, (note) => note.kind !== 'calendar' && setHeard((n) => n + 1)), [token]);
  useEffect(() => {
    if (!heard) return;
    void (async () => {
      const list = await loadBooks();
      // The book shown is gone (deleted, no longer shared): the first one is shown instead, by its own load.
      if (mode === 'directory' || !bookId || !list.some((b) => b.id === bookId)) return;
      const [cards, hits] = await Promise.all([loadContacts(), query.trim() ? api.search(query.trim()) : undefined]);
      // Another view was opened meanwhile: what it shows is its own.
      if (!cards) return;
      if (hits) setFound(hits);
      setSelected((s) => (s ? ([...cards, ...(hits ?? [])].find((c) => c.id === s.id) ?? null) : s));
    })().catch(fail);
  }, [heard]);
  // Guests are shown no directory (the server refuses them one too).
  useEffect(
    () =>
      void api.me().then((me) => {
        setMeId(me.user.id);
        setOrgs(me.orgs.filter((o) => o.role !== 'external'));
      }, fail),
    [api],
  );
  useEffect(() => void (mode === 'directory' ? org && api.directory(org.id).then(setEntries, fail) : loadContacts().catch(fail)), [bookId, mode, org]);
  // Search as one types, a quarter second after the last key (the directory is searched here, as it is all on the page).
  useEffect(() => {
    const q = query.trim();
    if (!q || mode === 'directory') return setFound(null);
    const timer = setTimeout(() => void api.search(q).then(setFound, fail), 250);
    return () => clearTimeout(timer);
  }, [query]);

  if (!books) return <div class="message-page dim">{notice ?? t('contacts.loading')}</div>;
  const book = books.find((b) => b.id === bookId);
  /** A book shared with one to read: its cards are shown, nothing is offered that would change them. */
  const readOnly = book?.access === 'read';
  // Until the view opened has its list, it shows none (rather than the last view's cards) and says it is loading.
  const loading = bookId !== null && listed.view !== shownView.current;
  const contacts = loading ? [] : listed.list;
  const groups = [...new Set(contacts.flatMap((c) => c.groups))].sort((a, b) => a.localeCompare(b));
  const shown = found ?? (mode === 'list' && group ? contacts.filter((c) => c.groups.includes(group)) : contacts);
  const inDirectory = mode === 'directory' && org !== null;
  const people = inDirectory ? entries.filter((e) => !query.trim() || fold(`${e.name} ${e.email} ${e.phone}`).includes(fold(query.trim()))) : [];
  const refresh = async (keep?: ContactView) => {
    await Promise.all([loadContacts(), loadBooks(), query.trim() ? api.search(query.trim()).then(setFound) : undefined]);
    setSelected(keep ?? null);
  };
  const pick = (id: string, trash = false) => {
    setBookId(id);
    setMode(trash ? 'trash' : 'list');
    setGroup('');
    setQuery('');
    setSelected(null);
    setEntry(null);
    setDrawer(false);
  };
  const pickOrg = (o: OrgView) => {
    setOrg(o);
    setMode('directory');
    setQuery('');
    setSelected(null);
    setEntry(null);
    setDrawer(false);
  };

  return (
    <div class={`contacts-app drawer-layout${drawer ? ' drawer-open' : ''}${(inDirectory ? entry : selected) ? ' has-detail' : ''}`} data-testid="contacts-app">
      {drawer && <button type="button" class="drawer-scrim" aria-label={t('contacts.sidebar.close')} data-testid="drawer-scrim" onClick={() => setDrawer(false)} />}
      <nav class="sidebar" data-testid="sidebar">
        <header class="org-head">
          <strong>{t('contacts.title')}</strong>
        </header>
        <button
          type="button"
          class="primary"
          data-testid="new-contact"
          disabled={!book || readOnly}
          onClick={() => {
            setDrawer(false);
            setEditing('new');
          }}
        >
          {t('contacts.sidebar.newContact')}
        </button>
        <div class="side-section">
          <span class="side-title">{t('contacts.sidebar.books')}</span>
          <IconButton
            icon={PlusIcon}
            label={t('contacts.sidebar.newBook')}
            size={16}
            data-testid="new-book"
            onClick={async () => {
              const name = prompt(t('contacts.sidebar.newBookPrompt'));
              if (name?.trim()) await api.createBook(name.trim()).then((b) => loadBooks().then(() => pick(b.id)), fail);
            }}
          />
        </div>
        <ul class="channel-list" data-testid="book-list">
          {books.map((b) => (
            <li key={b.id}>
              <button
                type="button"
                class={`channel-entry book-entry${b.id === bookId && mode === 'list' && !found ? ' active' : ''}`}
                aria-current={b.id === bookId && mode === 'list' && !found ? 'page' : undefined} data-testid="book-entry" onClick={() => pick(b.id)}>
                <span class="book-name">
                  {b.name}
                  {b.ownerName && (
                    <span class="book-owner" data-testid="book-shared-by">
                      {t(b.access === 'read' ? 'contacts.sidebar.sharedRead' : 'contacts.sidebar.sharedWrite', { owner: b.ownerName })}
                    </span>
                  )}
                </span>
                <span class="book-count dim">{formatNumber(b.count)}</span>
              </button>
            </li>
          ))}
        </ul>
        <button
          type="button"
          class="side-action with-icon"
          data-testid="import-open"
          onClick={() => {
            setDrawer(false);
            setImporting(true);
          }}
        >
          <Icon icon={UploadIcon} size={16} /> {t('contacts.import.open')}
        </button>
        <button type="button" class="side-action with-icon" aria-current={mode === 'trash' ? 'page' : undefined} data-testid="show-trash" disabled={!book} onClick={() => book && pick(book.id, true)}>
          <Icon icon={TrashIcon} size={16} /> {t('contacts.sidebar.trash')}
        </button>
        {orgs.length > 0 && (
          <>
            <div class="side-section">
              <span class="side-title">{t('contacts.directory.title')}</span>
            </div>
            <ul class="channel-list" data-testid="directory-list">
              {orgs.map((o) => (
                <li key={o.id}>
                  <button type="button" class={`channel-entry${inDirectory && org.id === o.id ? ' active' : ''}`} aria-current={inDirectory && org.id === o.id ? 'page' : undefined} data-testid="directory-entry" onClick={() => pickOrg(o)}>
                    <span class="book-name">{o.name}</span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
        <a class="side-action" href="/chat" data-testid="go-chat">
          {t('contacts.sidebar.chat')}
        </a>
        <a class="side-action" href="/calendar" data-testid="go-calendar">
          {t('contacts.sidebar.calendar')}
        </a>
        <button type="button" class="side-action sign-out" data-testid="sign-out" onClick={() => void accountApi.logout(token).finally(signedOut)}>
          {t('contacts.sidebar.signOut')}
        </button>
      </nav>
      <main class="contacts-main">
        <header class="contacts-head">
          <IconButton icon={MenuIcon} label={t('contacts.sidebar.open')} class="drawer-toggle" data-testid="open-drawer" onClick={() => setDrawer(true)} />
          <input
            type="search"
            class="contacts-search"
            // Short enough for a phone's header; the full sentence is what a screen reader says.
            placeholder={t('contacts.search.short')}
            aria-label={inDirectory ? t('contacts.directory.search') : t('contacts.search.label')}
            data-testid="contact-search"
            value={query}
            onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
          />
          {book && !inDirectory && book.access === 'owner' && <IconButton icon={UsersIcon} label={t('contacts.share.open', { book: book.name })} data-testid="share-book-open" onClick={() => setSharing(true)} />}
          {book && !inDirectory && <IconButton icon={DownloadIcon} label={t('contacts.export', { book: book.name })} data-testid="export-vcf" onClick={() => void api.exportVcard(book.id, book.name).catch(fail)} />}
          <Preferences sessionToken={token} />
        </header>
        {notice && (
          <p class="notice" role="status" data-testid="contacts-notice">
            {notice}
          </p>
        )}
        <div class="contacts-body">
          {inDirectory ? (
            <section class="contacts-list-pane" aria-label={org.name}>
              <h1 class="contacts-list-title">{t('contacts.directory.heading', { org: org.name })}</h1>
              <p class="dim contacts-hint">{t('contacts.directory.note')}</p>
              <ul class="contact-list" data-testid="contact-list">
                {people.slice(0, SHOWN).map((e) => (
                  <PersonRow key={e.id} name={e.name} sub={[e.email, e.phone].filter(Boolean).join(' · ')} current={entry?.id === e.id} onClick={() => setEntry(e)} />
                ))}
              </ul>
            </section>
          ) : (
            <section class="contacts-list-pane" aria-label={mode === 'trash' ? t('contacts.trash.title') : (book?.name ?? t('contacts.title'))}>
              <h1 class="contacts-list-title">{found ? t('contacts.search.results', { count: found.length }) : mode === 'trash' ? t('contacts.trash.title') : book?.name}</h1>
              {mode === 'trash' && !found && <p class="dim contacts-hint">{t('contacts.trash.note')}</p>}
              {mode === 'list' && !found && (groups.length > 0 || (!readOnly && contacts.length > 1)) && (
                <div class="group-bar">
                  {groups.length > 0 && (
                    <select aria-label={t('contacts.groups.label')} data-testid="group-filter" value={group} onChange={(e) => setGroup((e.target as HTMLSelectElement).value)}>
                      <option value="">{t('contacts.groups.all')}</option>
                      {groups.map((g) => (
                        <option key={g} value={g}>
                          {g}
                        </option>
                      ))}
                    </select>
                  )}
                  {!readOnly && contacts.length > 1 && (
                    <button type="button" class="link" data-testid="duplicates-open" onClick={() => setDeduping(true)}>
                      {t('contacts.duplicates.open')}
                    </button>
                  )}
                  {group && !readOnly && <IconButton icon={TrashIcon} label={t('contacts.groups.delete', { group })} data-testid="group-delete" onClick={() => setDropping({ name: group, withContacts: false })} />}
                </div>
              )}
              {loading && !found && <p class="dim contacts-hint">{t('contacts.loading')}</p>}
              {!shown.length && !(loading && !found) && (
                <p class="dim contacts-hint" data-testid="contacts-empty">
                  {found ? t('contacts.search.none', { query: query.trim() }) : mode === 'trash' ? t('contacts.trash.empty') : t('contacts.list.empty')}
                </p>
              )}
              <ul class="contact-list" data-testid="contact-list">
                {shown.slice(0, SHOWN).map((c) => (
                  <ContactRow key={c.id} api={api} contact={c} current={selected?.id === c.id} onClick={() => setSelected(c)} />
                ))}
              </ul>
              {shown.length > SHOWN && <p class="dim contacts-hint">{t('contacts.list.more', { shown: SHOWN, count: shown.length })}</p>}
            </section>
          )}
          {inDirectory && entry && (
            <DirectoryCard
              entry={entry}
              back={() => setEntry(null)}
              setHidden={(hidden) =>
                void api.setDirectoryHidden(org.id, entry.id, hidden).then(() => {
                  const next = { ...entry, hidden };
                  setEntry(next);
                  setEntries(entries.map((x) => (x.id === next.id ? next : x)));
                }, fail)
              }
            />
          )}
          {!inDirectory && selected && (
            <ContactCard
              api={api}
              contact={selected}
              inTrash={selected.deletedAt !== undefined}
              readOnly={books.find((b) => b.id === selected.bookId)?.access === 'read'}
              copy={books.some((b) => b.id !== selected.bookId && b.access !== 'read') ? () => setCopying(selected) : undefined}
              canMove={books.find((b) => b.id === selected.bookId)?.access !== 'read'}
              back={() => setSelected(null)}
              edit={() => setEditing(selected)}
              remove={async () => {
                await api.remove(selected.id).then(() => refresh(), fail);
                setNotice(t('contacts.detail.deleted', { name: selected.displayName }));
              }}
              restore={async () => {
                const back = await api.restore(selected.id).catch(fail);
                if (back) await refresh(back);
              }}
            />
          )}
        </div>
      </main>
      {dropping && book && (
        <ConfirmDialog
          title={t('contacts.groups.deleteTitle', { group: dropping.name })}
          text={
            <label class="check">
              <input type="checkbox" checked={dropping.withContacts} data-testid="group-delete-contacts" onChange={(e) => setDropping({ ...dropping, withContacts: (e.target as HTMLInputElement).checked })} />
              {t('contacts.groups.withContacts', { count: shown.length })}
            </label>
          }
          confirm={t('contacts.groups.deleteConfirm')}
          cancel={t('contacts.groups.cancel')}
          danger
          testid="group-delete-dialog"
          confirmTestid="group-delete-confirm"
          close={() => setDropping(null)}
          onConfirm={() =>
            void api
              .deleteGroup(book.id, dropping.name, dropping.withContacts)
              .then(async () => {
                setGroup('');
                // Said once the list shows it: the group gone from the filter.
                await refresh();
                setNotice(t(dropping.withContacts ? 'contacts.groups.deletedWith' : 'contacts.groups.deleted', { group: dropping.name }));
              })
              .catch(fail)
          }
        />
      )}
      {deduping && book && (
        <Duplicates
          api={api}
          book={book}
          books={books}
          close={() => setDeduping(false)}
          merged={(into, count) => {
            setNotice(t('contacts.duplicates.merged', { count, name: into.displayName }));
            void refresh(selected && selected.id === into.id ? into : undefined).catch(fail);
          }}
        />
      )}
      {copying && (
        <CopyContact
          api={api}
          contact={copying}
          books={books}
          canMove={books.find((b) => b.id === copying.bookId)?.access !== 'read'}
          close={() => setCopying(null)}
          done={(to, moved) => {
            setCopying(null);
            setNotice(t(moved ? 'contacts.copy.moved' : 'contacts.copy.copied', { name: copying.displayName, book: to.name }));
            void refresh(moved ? undefined : (selected ?? undefined)).catch(fail);
          }}
        />
      )}
      {sharing && book && <ShareBook api={api} token={token} meId={meId} orgs={orgs} book={book} close={() => setSharing(false)} />}
      {importing && (
        <ImportDialog
          token={token}
          books={books.filter((b) => b.access !== 'read')}
          bookId={readOnly ? null : bookId}
          createBook={(name) => api.createBook(name)}
          close={() => setImporting(false)}
          done={(id, result) => {
            setImporting(false);
            // The book imported into, read again (picking the book already shown would not).
            void loadBooks().then(async () => {
              if (id === bookId && mode === 'list' && !found) await loadContacts();
              else pick(id);
            }, fail);
            setNotice(t('contacts.import.done', { count: result.imported, skipped: result.skipped, group: result.group }));
          }}
        />
      )}
      {editing && book && (
        <ContactEditor
          api={api}
          bookId={book.id}
          contact={editing === 'new' ? null : editing}
          close={() => setEditing(null)}
          saved={(c, problem) => {
            setEditing(null);
            setNotice(problem ?? null);
            // The card as saved at once; the list and counts follow.
            setSelected(c);
            void refresh(c).catch(fail);
          }}
        />
      )}
    </div>
  );
}
