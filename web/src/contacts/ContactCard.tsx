// One person's card as the contacts screen shows it beside the list: what
// there is of it, each line a link where one helps (mail, call, map), and
// what one may do with it (in a book shared to read: copy it out, no more).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContactView } from '@parley/protocol';
import { Copy as CopyIcon, Pencil as PencilIcon, Trash2 as TrashIcon } from 'lucide';
import { formatWith } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Icon } from '../ui/icons.tsx';
import { CardHead, PersonRow } from './DirectoryCard.tsx';
import { usePhoto } from './photos.ts';
import type { ContactsApi } from './api.ts';

/** A card in the list: its picture is held while the row is near the screen (a long book is not read whole, nor kept). */
export function ContactRow(p: { api: ContactsApi; contact: ContactView; current: boolean; onClick: () => void }) {
  const c = p.contact;
  const row = useRef<HTMLLIElement>(null);
  const [near, setNear] = useState(false);
  useEffect(() => {
    if (!c.hasPhoto || !row.current) return;
    // The margin counts around the list's own scrolling pane (a margin around the window would be clipped by it).
    const seen = new IntersectionObserver((entries) => setNear(entries.at(-1)!.isIntersecting), { root: row.current.closest('.contacts-list-pane'), rootMargin: '200px' });
    seen.observe(row.current);
    return () => seen.disconnect();
  }, [c.hasPhoto]);
  const photo = usePhoto(p.api, c, near);
  return <PersonRow liRef={row} photo={photo} name={c.displayName} sub={[c.organization, c.emails[0]?.value ?? c.phones[0]?.value].filter(Boolean).join(' · ')} current={p.current} onClick={p.onClick} />;
}

/** One person's card: what there is of it, each line a link where one helps (mail, call, map). */
export function ContactCard(p: { api: ContactsApi; contact: ContactView; inTrash: boolean; readOnly: boolean; back: () => void; edit: () => void; remove: () => void; restore: () => void; copy?: () => void; canMove?: boolean }) {
  const c = p.contact;
  const photo = usePhoto(p.api, c);
  const kind = (type?: string) => (type ? t(`contacts.kind.${type as 'home'}`) : '');
  const row = (label: string, value: preact.ComponentChildren, key?: string) => (
    <div class="contact-field" key={key}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
  return (
    <section class="contact-detail" data-testid="contact-detail" aria-label={c.displayName}>
      <CardHead photo={photo} name={c.displayName} sub={[c.title, [c.organization, c.department].filter(Boolean).join(', ')].filter(Boolean).join(' · ')} back={p.back} />
      <div class="contact-actions">
        {p.readOnly ? (
          <p class="dim" data-testid="contact-read-only">
            {t('contacts.detail.readOnly')}
          </p>
        ) : p.inTrash ? (
          <button type="button" class="primary" data-testid="contact-restore" onClick={p.restore}>
            {t('contacts.trash.restore')}
          </button>
        ) : (
          <>
            <button type="button" class="with-icon" data-testid="contact-edit" onClick={p.edit}>
              <Icon icon={PencilIcon} size={16} /> {t('contacts.detail.edit')}
            </button>
            <button type="button" class="with-icon danger" data-testid="contact-delete" onClick={p.remove}>
              <Icon icon={TrashIcon} size={16} /> {t('contacts.detail.delete')}
            </button>
          </>
        )}
        {p.copy && !p.inTrash && (
          <button type="button" class="with-icon" data-testid="contact-copy" onClick={p.copy}>
            <Icon icon={CopyIcon} size={16} /> {t(p.canMove ? 'contacts.detail.copy' : 'contacts.detail.copyOnly')}
          </button>
        )}
      </div>
      <dl class="contact-fields">
        {c.emails.map((e, i) => row(`${t('contacts.detail.email')} ${kind(e.type)}`.trim(), <a href={`mailto:${e.value}`}>{e.value}</a>, `e${i}`))}
        {c.phones.map((ph, i) => row(`${t('contacts.detail.phone')} ${kind(ph.type)}`.trim(), <a href={`tel:${ph.value.replace(/[^0-9+]/g, '')}`}>{ph.value}</a>, `p${i}`))}
        {c.addresses.map((a, i) =>
          row(
            `${t('contacts.detail.address')} ${kind(a.type)}`.trim(),
            <span class="contact-address">{[a.street, [a.postcode, a.city].filter(Boolean).join(' '), a.region, a.country].filter(Boolean).join('\n')}</span>,
            `a${i}`,
          ),
        )}
        {c.birthday && row(t('contacts.detail.birthday'), formatWith(new Date(`${c.birthday}T12:00:00Z`), { dateStyle: 'long', timeZone: 'UTC' }))}
        {c.groups.length > 0 && row(t('contacts.detail.groups'), c.groups.join(', '))}
        {c.note && row(t('contacts.detail.note'), <span class="contact-note">{c.note}</span>)}
      </dl>
    </section>
  );
}
