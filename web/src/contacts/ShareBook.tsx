// Sharing an address book with colleagues, read or write, as a calendar is
// shared: whom it is shared with now (each can be taken back), and one more
// colleague to add. Colleagues are the members (not guests, not bots) of the
// owner's organizations; the server checks it again.
import { useEffect, useState } from 'preact/hooks';
import type { AddressBookShareView, AddressBookView, OrgMemberView, OrgView } from '@parley/protocol';
import { api } from '../core/api.ts';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import type { ContactsApi } from './api.ts';

export function ShareBook({ api: contacts, token, meId, orgs, book, close }: { api: ContactsApi; token: string; meId: string; orgs: OrgView[]; book: AddressBookView; close: () => void }) {
  const [colleagues, setColleagues] = useState<OrgMemberView[]>([]);
  const [shares, setShares] = useState<AddressBookShareView[] | null>(null);
  const [userId, setUserId] = useState('');
  const [access, setAccess] = useState<'read' | 'write'>('read');
  const [note, setNote] = useState<string | null>(null);
  const load = () => void contacts.shares(book.id).then(setShares, (e: unknown) => setNote(errorText(e)));
  useEffect(load, [book.id]);
  useEffect(() => {
    void Promise.all(orgs.map((o) => api.orgMembers(o.id, token).then((r) => r.members))).then((lists) => {
      const byId = new Map<string, OrgMemberView>();
      for (const m of lists.flat()) if (m.id !== meId && !m.isBot && m.role !== 'external') byId.set(m.id, m);
      setColleagues([...byId.values()].sort((a, b) => a.name.localeCompare(b.name)));
    }, (e: unknown) => setNote(errorText(e)));
  }, [orgs]);
  const candidates = colleagues.filter((c) => !shares?.some((s) => s.userId === c.id));
  useEffect(() => {
    if (!candidates.some((c) => c.id === userId)) setUserId(candidates[0]?.id ?? '');
  }, [candidates.map((c) => c.id).join(',')]);
  const set = async (id: string, to: 'read' | 'write' | 'none', done: string) => {
    try {
      await contacts.share(book.id, id, to);
      setNote(done);
      load();
    } catch (e) {
      setNote(errorText(e));
    }
  };
  return (
    <Dialog title={t('contacts.share.title', { book: book.name })} close={close}>
      <div class="dialog-form" data-testid="share-book">
        <p class="dim">{t('contacts.share.explain')}</p>
        {shares && shares.length === 0 && <p class="dim" data-testid="share-none">{t('contacts.share.none')}</p>}
        {shares && shares.length > 0 && (
          <ul class="share-list" data-testid="share-list">
            {shares.map((s) => (
              <li key={s.userId} data-testid="share-row" data-username={s.username}>
                <span class="share-who">
                  {s.name} <span class="dim">@{s.username}</span>
                </span>
                <select aria-label={t('contacts.share.accessFor', { name: s.name })} data-testid="share-row-access" value={s.access} onChange={(e) => void set(s.userId, (e.target as HTMLSelectElement).value as 'read' | 'write', t('contacts.share.changed'))}>
                  <option value="read">{t('contacts.share.read')}</option>
                  <option value="write">{t('contacts.share.write')}</option>
                </select>
                <button type="button" class="link danger" data-testid="share-row-stop" onClick={() => void set(s.userId, 'none', t('contacts.share.stopped', { name: s.name }))}>
                  {t('contacts.share.stop')}
                </button>
              </li>
            ))}
          </ul>
        )}
        {candidates.length > 0 ? (
          <form
            class="share-add"
            onSubmit={(e) => {
              e.preventDefault();
              const who = candidates.find((c) => c.id === userId);
              if (who) void set(who.id, access, t('contacts.share.shared', { name: who.name }));
            }}
          >
            <label>
              {t('contacts.share.with')}
              <select data-testid="share-user" value={userId} onChange={(e) => setUserId((e.target as HTMLSelectElement).value)}>
                {candidates.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name} (@{m.username})
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('contacts.share.access')}
              <select data-testid="share-access" value={access} onChange={(e) => setAccess((e.target as HTMLSelectElement).value as 'read' | 'write')}>
                <option value="read">{t('contacts.share.read')}</option>
                <option value="write">{t('contacts.share.write')}</option>
              </select>
            </label>
            <button type="submit" class="primary" data-testid="share-save" disabled={!userId}>
              {t('contacts.share.add')}
            </button>
          </form>
        ) : (
          colleagues.length === 0 && <p class="dim">{t('contacts.share.noColleagues')}</p>
        )}
        {note && (
          <p class="hint" role="status" data-testid="share-note">
            {note}
          </p>
        )}
      </div>
    </Dialog>
  );
}
