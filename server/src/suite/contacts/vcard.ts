// Contacts as vCard 4.0 (RFC 6350), written by ical.js (the library
// Thunderbird uses): escaping of commas, semicolons and line breaks, and
// line folding, are its work, not ours. It folds at 75 octets of UTF-8 (an
// accent is never cut in two), continuation lines counting their leading
// space on top, as Thunderbird's own files do.
import ICAL from 'ical.js';
import type { ContactKind, ContactView } from '@parley/protocol';

/** One contact's card. */
export function toVcard(c: ContactView): string {
  const card = new ICAL.Component('vcard');
  card.addPropertyWithValue('version', '4.0');
  card.addPropertyWithValue('uid', c.uid);
  card.addPropertyWithValue('fn', c.displayName);
  const n = new ICAL.Property('n');
  n.setValue([c.familyName ?? '', c.givenName ?? '', c.middleName ?? '', c.prefix ?? '', c.suffix ?? '']);
  card.addProperty(n);
  if (c.organization) {
    // ORG is structured (name; unit; unit): as one plain value, a ";" in the name split it.
    const org = new ICAL.Property('org');
    org.setValue([c.organization]);
    card.addProperty(org);
  }
  if (c.title) card.addPropertyWithValue('title', c.title);
  // "cell" means something on a phone only.
  for (const e of c.emails) typed(card.addPropertyWithValue('email', e.value), e.type === 'cell' ? undefined : e.type);
  for (const p of c.phones) typed(card.addPropertyWithValue('tel', p.value), p.type, 'voice');
  for (const a of c.addresses) {
    const adr = new ICAL.Property('adr');
    // ADR: post office box, extended address, street, locality, region, postal code, country.
    adr.setValue(['', '', a.street ?? '', a.city ?? '', a.region ?? '', a.postcode ?? '', a.country ?? '']);
    typed(card.addProperty(adr), a.type === 'cell' ? undefined : a.type);
  }
  if (c.birthday) card.addPropertyWithValue('bday', c.birthday.replaceAll('-', ''));
  if (c.note) card.addPropertyWithValue('note', c.note);
  if (c.groups.length) {
    const categories = new ICAL.Property('categories');
    categories.setValues(c.groups);
    card.addProperty(categories);
  }
  card.addPropertyWithValue('rev', new Date(c.updatedAt).toISOString().replace(/[-:]|\.\d+/g, ''));
  // ical.js ends lines with CRLF, as RFC 6350 asks, but not the last one.
  return `${card.toString()}\r\n`;
}

/** TYPE as vCard writes our kinds: the same words; "other" is no type at all. */
function typed(p: ICAL.Property, type: ContactKind | undefined, ...more: string[]): void {
  const types = [...(type && type !== 'other' ? [type] : []), ...more];
  if (types.length) p.setParameter('type', types.length === 1 ? types[0]! : types);
}

/** A whole address book as one .vcf file: its cards one after the other. */
export function toVcardFile(contacts: ContactView[]): string {
  return contacts.map(toVcard).join('');
}
