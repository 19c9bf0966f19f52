// A person's card, made or changed: names, organization, e-mail addresses,
// phones and postal addresses (as many as needed, each of a kind), birthday,
// note, groups and a picture (made small here before it is sent). The server checks it all again (an e-mail address needs
// an @ and a dot); its refusal is shown in the dialog, nothing is lost.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContactAddressView, ContactBody, ContactKind, ContactView } from '@parley/protocol';
import { Image as ImageIcon, X as XIcon } from 'lucide';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { Icon, IconButton } from '../ui/icons.tsx';
import { initials } from './DirectoryCard.tsx';
import { usePhoto } from './photos.ts';
import type { ContactsApi } from './api.ts';
import { smallPicture } from './picture.ts';

const KINDS: ContactKind[] = ['home', 'work', 'cell', 'other'];
type Line = { value: string; type?: ContactKind };

export function ContactEditor(p: { api: ContactsApi; bookId: string; contact: ContactView | null; close: () => void; saved: (c: ContactView, problem?: string) => void }) {
  const c = p.contact;
  const [names, setNames] = useState({
    givenName: c?.givenName ?? '',
    familyName: c?.familyName ?? '',
    organization: c?.organization ?? '',
    department: c?.department ?? '',
    title: c?.title ?? '',
    birthday: c?.birthday ?? '',
    note: c?.note ?? '',
    groups: c?.groups.join(', ') ?? '',
  });
  const [emails, setEmails] = useState<Line[]>(c?.emails.length ? c.emails : [{ value: '', type: 'work' }]);
  const [phones, setPhones] = useState<Line[]>(c?.phones.length ? c.phones : [{ value: '', type: 'cell' }]);
  const [addresses, setAddresses] = useState<ContactAddressView[]>(c?.addresses ?? []);
  /** A new picture (made small), 'remove', or null: left as it is. */
  const [picture, setPicture] = useState<Blob | 'remove' | null>(null);
  const [preview, setPreview] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!(picture instanceof Blob)) return setPreview(undefined);
    const url = URL.createObjectURL(picture);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [picture]);
  const current = usePhoto(p.api, c);
  const fileInput = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = (key: keyof typeof names, label: string, attrs: Record<string, unknown> = {}) => (
    <label>
      {label}
      <input value={names[key]} data-testid={`contact-${key}`} onInput={(e) => setNames({ ...names, [key]: (e.target as HTMLInputElement).value })} {...attrs} />
    </label>
  );
  const kindSelect = (value: ContactKind | undefined, set: (k: ContactKind) => void, label: string) => (
    <select aria-label={label} value={value ?? 'other'} onChange={(e) => set((e.target as HTMLSelectElement).value as ContactKind)}>
      {KINDS.map((k) => (
        <option key={k} value={k}>
          {t(`contacts.kind.${k}`)}
        </option>
      ))}
    </select>
  );
  const lines = (list: Line[], set: (l: Line[]) => void, label: string, testid: string, mode: 'email' | 'tel') => (
    <fieldset class="contact-lines">
      <legend>{label}</legend>
      {list.map((l, i) => (
        <div class="contact-line" key={i}>
          <input inputMode={mode} autocomplete="off" value={l.value} aria-label={label} data-testid={`${testid}-${i}`} onInput={(e) => set(list.map((x, j) => (j === i ? { ...x, value: (e.target as HTMLInputElement).value } : x)))} />
          {kindSelect(l.type, (k) => set(list.map((x, j) => (j === i ? { ...x, type: k } : x))), t('contacts.editor.kind'))}
          <IconButton icon={XIcon} label={t('contacts.editor.remove')} size={16} onClick={() => set(list.filter((_, j) => j !== i))} />
        </div>
      ))}
      <button type="button" class="link" data-testid={`${testid}-add`} onClick={() => set([...list, { value: '', type: 'other' }])}>
        {t('contacts.editor.add')}
      </button>
    </fieldset>
  );

  return (
    <Dialog title={c ? t('contacts.editor.editTitle', { name: c.displayName }) : t('contacts.editor.newTitle')} close={p.close} wide>
      <form
        class="dialog-form contact-form"
        data-testid="contact-editor"
        onSubmit={async (e) => {
          e.preventDefault();
          const kept = (l: Line[]) => l.filter((x) => x.value.trim()).map((x) => ({ value: x.value.trim(), ...(x.type && x.type !== 'other' ? { type: x.type } : {}) }));
          const text = (v: string) => v.trim() || undefined;
          const body: ContactBody = {
            givenName: text(names.givenName),
            familyName: text(names.familyName),
            organization: text(names.organization),
            department: text(names.department),
            title: text(names.title),
            birthday: text(names.birthday),
            note: text(names.note),
            groups: names.groups
              .split(',')
              .map((g) => g.trim())
              .filter(Boolean),
            emails: kept(emails),
            phones: kept(phones),
            addresses: addresses.filter((a) => Object.entries(a).some(([k, v]) => k !== 'type' && v?.trim())),
          };
          setBusy(true);
          setError(null);
          try {
            const saved = c ? await p.api.update(c.id, body) : await p.api.create(p.bookId, body);
            // The card is saved whatever becomes of its picture: a picture refused is said, and saving again makes no second card.
            try {
              if (picture instanceof Blob) p.saved(await p.api.setPhoto(saved.id, picture));
              else if (picture === 'remove' && saved.hasPhoto) p.saved(await p.api.removePhoto(saved.id));
              else p.saved(saved);
            } catch (err) {
              p.saved(saved, t('contacts.editor.pictureRefused', { why: errorText(err) }));
            }
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <div class="contact-picture">
          {/* The picture as it will be: the one chosen, or the card's own, or the initials. */}
          {preview ? (
            <img class="contact-avatar big contact-photo" src={preview} alt="" data-testid="contact-photo-preview" />
          ) : current && picture !== 'remove' ? (
            <img class="contact-avatar big contact-photo" src={current} alt="" />
          ) : (
            <span class="contact-avatar big" aria-hidden="true">
              {initials(`${names.givenName} ${names.familyName}`.trim() || (c?.displayName ?? '')) || '?'}
            </span>
          )}
          <label class="picture-pick" data-testid="contact-photo-pick">
            <Icon icon={ImageIcon} size={16} />
            {t('contacts.editor.choosePicture')}
            <input
              type="file"
              class="sr-only"
              accept="image/png,image/jpeg,image/gif,image/webp"
              ref={fileInput}
              data-testid="contact-photo-file"
              onChange={async (e) => {
                const input = e.target as HTMLInputElement;
                const file = input.files?.[0];
                if (!file) return;
                setError(null);
                try {
                  setPicture(await smallPicture(file));
                } catch {
                  input.value = '';
                  setError(t('contacts.editor.notPicture'));
                }
              }}
            />
          </label>
          {(picture instanceof Blob || (c?.hasPhoto && picture !== 'remove')) && (
            <button
              type="button"
              class="link"
              data-testid="contact-photo-remove"
              onClick={() => {
                setPicture('remove');
                // The same file chosen again afterwards is a change too.
                if (fileInput.current) fileInput.current.value = '';
              }}
            >
              {t('contacts.editor.removePicture')}
            </button>
          )}
        </div>
        <div class="contact-grid">
          {field('givenName', t('contacts.editor.givenName'), { autocomplete: 'off' })}
          {field('familyName', t('contacts.editor.familyName'), { autocomplete: 'off' })}
          {field('organization', t('contacts.editor.organization'))}
          {field('department', t('contacts.editor.department'))}
          {field('title', t('contacts.editor.title'))}
          {field('birthday', t('contacts.editor.birthday'), { type: 'date' })}
        </div>
        {lines(emails, setEmails, t('contacts.editor.emails'), 'contact-email', 'email')}
        {lines(phones, setPhones, t('contacts.editor.phones'), 'contact-phone', 'tel')}
        <fieldset class="contact-lines">
          <legend>{t('contacts.editor.addresses')}</legend>
          {addresses.map((a, i) => {
            const set = (patch: Partial<ContactAddressView>) => setAddresses(addresses.map((x, j) => (j === i ? { ...x, ...patch } : x)));
            const part = (key: 'street' | 'postcode' | 'city' | 'country', label: string) => (
              <input placeholder={label} aria-label={label} value={a[key] ?? ''} data-testid={`contact-address-${i}-${key}`} onInput={(e) => set({ [key]: (e.target as HTMLInputElement).value })} />
            );
            return (
              <div class="contact-address-edit" key={i}>
                {part('street', t('contacts.editor.street'))}
                {part('postcode', t('contacts.editor.postcode'))}
                {part('city', t('contacts.editor.city'))}
                {part('country', t('contacts.editor.country'))}
                {kindSelect(a.type, (k) => set({ type: k }), t('contacts.editor.kind'))}
                <IconButton icon={XIcon} label={t('contacts.editor.remove')} size={16} onClick={() => setAddresses(addresses.filter((_, j) => j !== i))} />
              </div>
            );
          })}
          <button type="button" class="link" data-testid="contact-address-add" onClick={() => setAddresses([...addresses, { type: 'home' }])}>
            {t('contacts.editor.add')}
          </button>
        </fieldset>
        {field('groups', t('contacts.editor.groups'))}
        <label>
          {t('contacts.editor.note')}
          <textarea rows={3} value={names.note} data-testid="contact-note" onInput={(e) => setNames({ ...names, note: (e.target as HTMLTextAreaElement).value })} />
        </label>
        {error && (
          <p class="hint error" role="alert" data-testid="contact-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy} data-testid="contact-save">
          {t('contacts.editor.save')}
        </button>
      </form>
    </Dialog>
  );
}
