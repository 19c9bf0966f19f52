// What a card is, apart from where it is kept: a body's fields cleaned into
// a card, its display name (FN), the text search looks in, its ETag, and
// the views the server answers with. Pure functions, used by Contacts and
// by the merging of duplicates.
import crypto from 'node:crypto';
import { CONTACT_LIMITS, type AddressBookView, type ContactBody, type ContactCard, type ContactView } from '@parley/protocol';
import { cleanText } from '../../lib/names.ts';
import { InvalidRequest } from '../../lib/errors.ts';
import { DAY_MS } from '../../lib/time.ts';
import type { BookRow, ContactRow, JCardProperty } from './store.ts';

/** Cards deleted since this moment are in the trash still (CONTACT_LIMITS.trashDays). */
export const trashSince = (now: number) => now - CONTACT_LIMITS.trashDays * DAY_MS;
export const bookView = (b: BookRow): AddressBookView => ({ id: b.id, name: b.name, count: b.count, createdAt: b.created_at, access: b.access, ...(b.access === 'owner' ? {} : { ownerName: b.owner_name }) });
export const contactView = (r: ContactRow): ContactView => ({
  ...r.card,
  id: r.id,
  bookId: r.book_id,
  uid: r.uid,
  displayName: r.display_name,
  etag: r.etag,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.deleted_at === null ? {} : { deletedAt: r.deleted_at }),
  ...(r.extra.some(isShownPhoto) ? { hasPhoto: true as const } : {}),
});

/**
 * Pictures Parley shows and serves, known by their first bytes: what every
 * browser draws, never SVG (a script can ride in one). A card's picture is
 * kept as a device wrote it (a data: URI in its PHOTO); one at a web address
 * is kept and synced but not fetched (the server would then call anywhere).
 */
const PICTURES: [mime: string, test: (b: Buffer) => boolean][] = [
  ['image/png', (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1'))],
  ['image/webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
];
const DATA_PICTURE = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]+)$/i;

/** The picture's type, read from its bytes; undefined for anything else. */
export const pictureType = (bytes: Buffer): string | undefined => PICTURES.find(([, test]) => test(bytes))?.[0];

/** A cheap look for lists (no decoding): a picture whose bytes then lie is served as none. */
const isShownPhoto = (p: JCardProperty) => p[0] === 'photo' && p[2] === 'uri' && typeof p[3] === 'string' && /^data:image\/(?:png|jpeg|gif|webp);base64,/i.test(p[3]);

/** The card's first picture Parley shows, as bytes whose type was checked. */
export function photoOf(extra: JCardProperty[]): { mime: string; bytes: Buffer } | undefined {
  for (const p of extra) {
    if (p[0] !== 'photo' || p[2] !== 'uri' || typeof p[3] !== 'string') continue;
    const m = DATA_PICTURE.exec(p[3]);
    if (!m) continue;
    const bytes = Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
    const mime = pictureType(bytes);
    // The bytes say what they are; a label that lies is not believed.
    if (mime) return { mime, bytes };
  }
  return undefined;
}

/** The body's fields cleaned (no control or invisible characters, spaces folded), empty ones left out. */
export function cardOf(p: ContactBody): ContactCard {
  const text = (v: string | undefined, max: number) => {
    const clean = v === undefined ? '' : cleanText(v, max);
    return clean || undefined;
  };
  const card: ContactCard = {
    givenName: text(p.givenName, 100),
    familyName: text(p.familyName, 100),
    middleName: text(p.middleName, 100),
    prefix: text(p.prefix, 50),
    suffix: text(p.suffix, 50),
    organization: text(p.organization, 200),
    department: text(p.department, 200),
    title: text(p.title, 200),
    emails: (p.emails ?? []).map((e) => ({ value: e.value.trim(), ...(e.type ? { type: e.type } : {}) })),
    phones: (p.phones ?? []).map((t) => ({ value: cleanText(t.value, 40), ...(t.type ? { type: t.type } : {}) })),
    addresses: (p.addresses ?? [])
      .map((a) => {
        const out = { street: text(a.street, 200), city: text(a.city, 100), region: text(a.region, 100), postcode: text(a.postcode, 20), country: text(a.country, 100), ...(a.type ? { type: a.type } : {}) };
        return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
      })
      .filter((a) => Object.keys(a).some((k) => k !== 'type')),
    birthday: p.birthday,
    // Notes keep their lines; only control characters go.
    note: p.note === undefined ? undefined : p.note.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim() || undefined,
    groups: [...new Set((p.groups ?? []).map((g) => cleanText(g, 64)).filter(Boolean))],
  };
  // The schema's pattern lets 2026-02-30 through; the calendar does not.
  if (card.birthday && new Date(`${card.birthday}T00:00:00Z`).toISOString().slice(0, 10) !== card.birthday) throw new InvalidRequest('birthday: a date that exists, as YYYY-MM-DD');
  return Object.fromEntries(Object.entries(card).filter(([, v]) => v !== undefined)) as unknown as ContactCard;
}

/** FN: given, else the names, the organization, an e-mail address, a phone number. */
export function displayNameOf(p: ContactBody, card: ContactCard): string {
  const given = p.displayName === undefined ? '' : cleanText(p.displayName, 200);
  const names = [card.prefix, card.givenName, card.middleName, card.familyName, card.suffix].filter(Boolean).join(' ');
  const name = given || names || card.organization || card.emails[0]?.value || card.phones[0]?.value;
  if (!name) throw new InvalidRequest('a contact needs a name, an organization, an e-mail address or a phone number');
  return name;
}

/** What search looks in (folded in SQL, as the query is). */
export const searchTextOf = (name: string, c: ContactCard) =>
  [name, c.givenName, c.familyName, c.organization, c.department, c.title, ...c.emails.map((e) => e.value), ...c.phones.map((p) => p.value), ...c.addresses.flatMap((a) => [a.street, a.city, a.country]), ...c.groups]
    .filter(Boolean)
    .join('\n');
export const etagOf = (card: ContactCard, name: string, seq: number) => crypto.createHash('sha256').update(JSON.stringify([card, name, seq])).digest('base64url').slice(0, 22);
