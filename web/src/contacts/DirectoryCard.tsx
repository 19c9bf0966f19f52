// One person of the organization's directory: their name, e-mail address
// and phone as they set them. Administrators (the only ones told which
// entries are private) can make the entry private or public again.
import type { Ref } from 'preact';
import type { DirectoryEntryView } from '@parley/protocol';
import { t } from '../i18n/index.ts';
import { IconButton } from '../ui/icons.tsx';
import { ArrowLeft as ArrowLeftIcon } from 'lucide';

export const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => [...w][0]!.toLocaleUpperCase())
    .join('');


/** A person in a list: picture or initials, name, and a line under it (organization, address, number). */
export function PersonRow(p: { name: string; sub: string; current: boolean; onClick: () => void; photo?: string; liRef?: Ref<HTMLLIElement> }) {
  return (
    <li ref={p.liRef}>
      <button type="button" class="contact-row" aria-current={p.current ? 'true' : undefined} data-testid="contact-row" data-name={p.name} onClick={p.onClick}>
        {p.photo ? (
          <img class="contact-avatar contact-photo" src={p.photo} alt="" data-testid="contact-row-photo" />
        ) : (
          <span class="contact-avatar" aria-hidden="true">
            {initials(p.name)}
          </span>
        )}
        <span class="contact-row-text">
          <span class="contact-row-name">{p.name}</span>
          <span class="contact-row-sub dim">{p.sub}</span>
        </span>
      </button>
    </li>
  );
}

/** A card's head: the way back (on a phone), the picture or the initials, the name and a line under it. */
export function CardHead(p: { name: string; sub: string; back: () => void; photo?: string }) {
  return (
    <header class="contact-detail-head">
      <IconButton icon={ArrowLeftIcon} label={t('contacts.detail.back')} class="contact-back" data-testid="contact-back" onClick={p.back} />
      {p.photo ? (
        <img class="contact-avatar big contact-photo" src={p.photo} alt="" data-testid="contact-photo" />
      ) : (
        <span class="contact-avatar big" aria-hidden="true">
          {initials(p.name)}
        </span>
      )}
      <div class="contact-detail-names">
        <h2 data-testid="contact-name">{p.name}</h2>
        {p.sub && <p class="dim">{p.sub}</p>}
      </div>
    </header>
  );
}

export function DirectoryCard(p: { entry: DirectoryEntryView; back: () => void; setHidden: (hidden: boolean) => void }) {
  const e = p.entry;
  return (
    <section class="contact-detail" data-testid="contact-detail" aria-label={e.name}>
      <CardHead name={e.name} sub={`@${e.username}`} back={p.back} />
      <dl class="contact-fields">
        <div class="contact-field">
          <dt>{t('contacts.detail.email')}</dt>
          <dd>
            <a href={`mailto:${e.email}`}>{e.email}</a>
          </dd>
        </div>
        {e.phone && (
          <div class="contact-field">
            <dt>{t('contacts.detail.phone')}</dt>
            <dd>
              <a href={`tel:${e.phone.replace(/[^0-9+]/g, '')}`}>{e.phone}</a>
            </dd>
          </div>
        )}
      </dl>
      {e.hidden !== undefined && (
        // The whole line is the touch target, not the box alone.
        <label class="check directory-private" data-testid="directory-private">
          <input type="checkbox" checked={e.hidden} onChange={(ev) => p.setHidden((ev.target as HTMLInputElement).checked)} />
          {t('contacts.directory.private')}
        </label>
      )}
    </section>
  );
}
