// Contacts as vCard 4.0 (RFC 6350), written by ical.js (the library
// Thunderbird uses): escaping of commas, semicolons and line breaks, and
// line folding, are its work, not ours. It folds at 75 octets of UTF-8 (an
// accent is never cut in two), continuation lines counting their leading
// space on top, as Thunderbird's own files do.
import ICAL from 'ical.js';
import { CONTACT_EMAIL_PATTERN, CONTACT_LIMITS, CONTACT_PHONE_PATTERN, type ContactBody, type ContactKind, type ContactView } from '@parley/protocol';
import { InvalidRequest } from '../../lib/errors.ts';
import type { JCardProperty } from './store.ts';

// ical.js writes vCard URIs as text, a comma escaped ("data:image/jpeg;base64\,..."),
// which readers of RFC 3986 URIs (a phone's contacts app) take as part of the
// URI and a picture breaks. A URI holds no backslash: it is written as it is.
ICAL.design.getDesignSet('vcard').value.uri = { matches: /.*/ };

export type VcardVersion = '3.0' | '4.0';

/**
 * One contact's card, with the properties kept as a device wrote them
 * (`extra`). In vCard 3.0 (RFC 2426, what many phones' contacts apps read)
 * when asked: ical.js then writes by its 3.0 rules, and pictures kept as
 * data: URIs go back inline (ENCODING=b).
 */
export function toVcard(c: ContactView, extra: JCardProperty[] = [], version: VcardVersion = '4.0'): string {
  const card = new ICAL.Component('vcard');
  card.addPropertyWithValue('version', version);
  card.addPropertyWithValue('uid', c.uid);
  card.addPropertyWithValue('fn', c.displayName);
  const n = new ICAL.Property('n');
  n.setValue([c.familyName ?? '', c.givenName ?? '', c.middleName ?? '', c.prefix ?? '', c.suffix ?? '']);
  card.addProperty(n);
  if (c.organization) {
    // ORG is structured (name; unit; unit): as one plain value, a ";" in the name split it.
    const org = new ICAL.Property('org');
    org.setValue(c.department ? [c.organization, c.department] : [c.organization]);
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
  for (const p of extra) card.addProperty(new ICAL.Property(version === '3.0' ? inline(p) : p));
  card.addPropertyWithValue('rev', new Date(c.updatedAt).toISOString().replace(/[-:]|\.\d+/g, ''));
  // ical.js ends lines with CRLF, as RFC 6350 asks, but not the last one.
  return `${card.toString()}\r\n`;
}

/** A picture kept as a data: URI, as vCard 3.0 carries it: inline, base64 (ENCODING=b), its TYPE from the media type. */
function inline(p: JCardProperty): JCardProperty {
  const [name, params, type, value] = p;
  const m = BINARY.has(name) && type === 'uri' && typeof value === 'string' ? /^data:[a-z]+\/([a-z0-9.+-]+);base64,(.*)$/is.exec(value) : null;
  return m ? [name, { ...params, encoding: 'b', type: m[1]!.toUpperCase() }, 'binary', m[2]!] : p;
}

/** TYPE as vCard writes our kinds: the same words; "other" is no type at all. */
function typed(p: ICAL.Property, type: ContactKind | undefined, ...more: string[]): void {
  const types = [...(type && type !== 'other' ? [type] : []), ...more];
  if (types.length) p.setParameter('type', types.length === 1 ? types[0]! : types);
}

/** A whole address book as one .vcf file: its cards one after the other. */
export function toVcardFile(contacts: { view: ContactView; extra: JCardProperty[] }[]): string {
  return contacts.map((c) => toVcard(c.view, c.extra)).join('');
}

/** What a device's vCard says: the card's fields, its UID if it has one, and the properties Parley keeps without editing. */
export interface ParsedVcard {
  uid?: string;
  body: ContactBody;
  extra: JCardProperty[];
}

const EMAIL = new RegExp(CONTACT_EMAIL_PATTERN, 'u');
const PHONE = new RegExp(CONTACT_PHONE_PATTERN, 'u');
/** Made anew on every copy written: never kept from a device's. */
const REWRITTEN = new Set(['version', 'prodid', 'rev']);
/** Properties vCard 3.0 may carry inline, and the media type of their TYPE (JPEG: image/jpeg). */
const BINARY = new Map([
  ['photo', 'image'],
  ['logo', 'image'],
  ['sound', 'audio'],
]);

/**
 * One vCard (3.0 or 4.0) as a device sends it over CardDAV, read by ical.js.
 * What fits Parley's fields goes there; the rest (a photo, a second title, an
 * e-mail address Parley would refuse) is kept as written and sent back in
 * every copy. Throws InvalidRequest for anything but exactly one vCard, and
 * (`strict`, an import) for an e-mail address Parley would refuse.
 */
export function fromVcard(text: string, opts: { strict?: boolean } = {}): ParsedVcard {
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text);
  } catch (e) {
    throw new InvalidRequest(`not a vCard: ${(e as Error).message.slice(0, 200)}`);
  }
  const jcard = parsed as [string, JCardProperty[], unknown[]];
  if (!Array.isArray(jcard) || jcard[0] !== 'vcard' || jcard[2]?.length) throw new InvalidRequest('one vCard (BEGIN:VCARD ... END:VCARD) and nothing else');
  const body: Required<Pick<ContactBody, 'emails' | 'phones' | 'addresses' | 'groups'>> & ContactBody = { emails: [], phones: [], addresses: [], groups: [] };
  const extra: JCardProperty[] = [];
  let uid: string | undefined;
  for (const prop of jcard[1]) {
    const [name, params, , ...values] = prop;
    const one = typeof values[0] === 'string' ? values[0] : undefined;
    const parts = (Array.isArray(values[0]) ? values[0] : [values[0]]).map((v) => (Array.isArray(v) ? v.join(' ') : String(v ?? '')).trim());
    const kind = kindOf(params.type);
    if (REWRITTEN.has(name)) continue;
    // vCard 3.0's inline picture (ENCODING=b) is a data: URI in 4.0.
    if (BINARY.has(name) && prop[2] === 'binary' && one) {
      const { type, encoding: _, ...rest } = params;
      const mime = `${BINARY.get(name)}/${String(Array.isArray(type) ? type[0] : (type ?? 'jpeg')).toLowerCase()}`;
      extra.push([name, rest, 'uri', `data:${mime};base64,${one.replace(/\s+/g, '')}`]);
      continue;
    }
    if (name === 'uid' && one && uid === undefined) uid = one;
    else if (name === 'fn' && one && body.displayName === undefined) body.displayName = one.slice(0, 200);
    else if (name === 'n' && body.familyName === undefined && body.givenName === undefined) {
      const [familyName, givenName, middleName, prefix, suffix] = parts;
      Object.assign(body, clip({ familyName, givenName, middleName }, 100), clip({ prefix, suffix }, 50));
    } else if (name === 'org' && body.organization === undefined) Object.assign(body, clip({ organization: parts[0], department: parts.slice(1).filter(Boolean).join(', ') }, 200));
    else if (name === 'title' && one && body.title === undefined) body.title = one.slice(0, 200);
    else if (name === 'email' && one && EMAIL.test(one.trim()) && one.trim().length <= 254 && body.emails.length < CONTACT_LIMITS.emails) body.emails.push({ value: one.trim(), ...typeOf(kind) });
    // An import checks what a device's copy keeps as written: an address Parley would refuse is an error there.
    else if (name === 'email' && opts.strict) throw new InvalidRequest(`e-mail address “${String(one ?? '').slice(0, 80)}”: it needs an @ and a dot after it`);
    else if (name === 'tel' && one && body.phones.length < CONTACT_LIMITS.phones && PHONE.test(phoneOf(one)) && phoneOf(one).length <= 40) body.phones.push({ value: phoneOf(one), ...typeOf(kind) });
    else if (name === 'adr' && !parts[0] && !parts[1] && body.addresses.length < CONTACT_LIMITS.addresses) {
      const [, , street, city, region, postcode, country] = parts;
      body.addresses.push({ ...clip({ street }, 200), ...clip({ city, region, country }, 100), ...clip({ postcode }, 20), ...typeOf(kind) });
    } else if (name === 'bday' && one && body.birthday === undefined && /^\d{4}-?\d{2}-?\d{2}$/.test(one)) body.birthday = one.replace(/^(\d{4})-?(\d{2})-?(\d{2})$/, '$1-$2-$3');
    else if (name === 'note' && one && body.note === undefined && one.length <= CONTACT_LIMITS.noteChars) body.note = one;
    else if (name === 'categories' && body.groups.length === 0) body.groups = [...new Set(values.map((v) => String(v).trim().slice(0, 64)).filter(Boolean))].slice(0, CONTACT_LIMITS.groups);
    else extra.push(prop);
  }
  if (extra.length > CONTACT_LIMITS.extraProperties) throw new InvalidRequest(`a vCard holds at most ${CONTACT_LIMITS.extraProperties} properties beyond names, addresses and numbers`);
  return { ...(uid ? { uid } : {}), body, extra };
}

/** Our kind from vCard's TYPE (any case, one or several): cell, work, home, else none. */
function kindOf(type: string | string[] | undefined): ContactKind | undefined {
  const types = (Array.isArray(type) ? type : (type ?? '').split(',')).map((t) => t.trim().toLowerCase());
  return (['cell', 'work', 'home'] as const).find((k) => types.includes(k));
}
const typeOf = (kind: ContactKind | undefined) => (kind ? { type: kind } : {});
/** vCard 4.0 may write a number as a tel: URI. */
const phoneOf = (v: string) => v.replace(/^tel:/i, '').trim();
/** The non-empty ones, cut at `max` characters. */
function clip<T extends Record<string, string | undefined>>(o: T, max: number): Partial<T> {
  return Object.fromEntries(Object.entries(o).flatMap(([k, v]) => (v ? [[k, v.slice(0, max)]] : []))) as Partial<T>;
}
