// CardDAV (RFC 6352): one's address books as DAV collections of vCards.
// What differs from a calendar: the data's element (card:address-data), its
// type, the report names, and addressbook-query's filter. The rules are
// Contacts'.
import { CONTACT_LIMITS } from '@parley/protocol';
import type { UserRow } from '../../accounts/Accounts.ts';
import type { Contacts, DavCard } from '../../suite/contacts/Contacts.ts';
import { Forbidden } from '../../lib/errors.ts';
import { collectionProps, displayNameChange, type DavCollections, type DavItem } from './collection.ts';
import { principalPath, type Props } from './resource.ts';
import { child, childrenOf, keyOf, NS, type XmlElement } from './xml.ts';

/**
 * vCard 3.0 unless 4.0 is asked for, as SabreDAV (Nextcloud) does: phones'
 * contacts apps read 3.0, and the clients that read 4.0 ask for it.
 */
const item = (c: DavCard): DavItem => ({ href: c.href, etag: c.etag, body: (version) => c.vcard(version === '4.0' ? '4.0' : '3.0') });

export function addressBooks(contacts: Contacts): DavCollections {
  const props = (user: UserRow, id: string, book: { name: string; lastSeq: number; writable: boolean }): Props => ({
    ...collectionProps({ id, name: book.name, lastSeq: book.lastSeq, writable: book.writable, owner: principalPath(user), reports: [keyOf(NS.card, 'addressbook-multiget'), keyOf(NS.card, 'addressbook-query')] }),
    [keyOf(NS.dav, 'resourcetype')]: () => '<d:collection/><card:addressbook/>',
    [keyOf(NS.card, 'supported-address-data')]: () => '<card:address-data-type content-type="text/vcard" version="3.0"/><card:address-data-type content-type="text/vcard" version="4.0"/>',
    [keyOf(NS.card, 'max-resource-size')]: () => String(CONTACT_LIMITS.vcardBytes),
  });
  return {
    area: 'addressbooks',
    dataKey: keyOf(NS.card, 'address-data'),
    contentType: 'text/vcard',
    putTypes: ['text/vcard', 'text/x-vcard', 'text/directory'],
    multigetKey: keyOf(NS.card, 'addressbook-multiget'),
    queryKey: keyOf(NS.card, 'addressbook-query'),
    list: async (user) => (await contacts.davBooks(user.id)).map((b) => ({ id: b.id, props: props(user, b.id, b) })),
    props: async (user, id) => props(user, id, await contacts.davBook(user.id, id)),
    items: async (user, id) => (await contacts.davList(user.id, id)).map(item),
    get: async (user, id, hrefs) => (await contacts.davGet(user.id, id, hrefs)).map(item),
    changes: async (user, id, since) => {
      const c = await contacts.davChanges(user.id, id, since);
      return { ...c, changed: c.changed.map(item) };
    },
    put: (user, id, href, text, cond) => contacts.davPut(user.id, id, href, text, cond),
    remove: (user, id, href, ifMatch) => contacts.davDelete(user.id, id, href, ifMatch),
    settable: { [keyOf(NS.dav, 'displayname')]: displayNameChange },
    change: async (user, id, change) => void (change.name !== undefined && (await contacts.renameBook(user.id, id, change.name))),
    filter: cardFilter,
  };
}

/**
 * addressbook-query's filter (RFC 6352 section 10.5) as a test of a card's
 * vCard text: prop-filters by property name, each "is defined", "is not
 * defined" or text-matches (contains, equals, starts-with, ends-with, case
 * blind as i;unicode-casemap), combined anyof (the default) or allof.
 * Parameter filters are not supported and refused.
 */
function cardFilter(filter: XmlElement | undefined): (item: DavItem) => boolean {
  const propFilters = childrenOf(filter, NS.card, 'prop-filter');
  if (!filter || !propFilters.length) return () => true;
  if (propFilters.some((p) => childrenOf(p, NS.card, 'param-filter').length)) throw new Forbidden('addressbook-query: param-filter is not supported');
  const tests = propFilters.map((pf) => {
    const name = (pf.attrs.name ?? '').toUpperCase();
    const notDefined = !!child(pf, NS.card, 'is-not-defined');
    const matches = childrenOf(pf, NS.card, 'text-match').map((tm) => textMatch(tm));
    const allOf = pf.attrs.test === 'allof';
    return (props: Map<string, string[]>) => {
      const values = props.get(name);
      if (notDefined) return !values;
      if (!values) return false;
      if (!matches.length) return true;
      const one = (m: (v: string) => boolean) => values.some(m);
      return allOf ? matches.every(one) : matches.some(one);
    };
  });
  const allOf = filter.attrs.test === 'allof';
  return (it) => {
    const props = vcardProps(it.body());
    return allOf ? tests.every((t) => t(props)) : tests.some((t) => t(props));
  };
}

/** A text-match element as a test of one value (RFC 4790's i;unicode-casemap, roughly: case blind). */
export function textMatch(tm: XmlElement): (v: string) => boolean {
  const needle = tm.text.toLocaleLowerCase();
  const type = tm.attrs['match-type'] ?? 'contains';
  const negate = tm.attrs['negate-condition'] === 'yes';
  return (v) => {
    const hay = v.toLocaleLowerCase();
    const hit = type === 'equals' ? hay === needle : type === 'starts-with' ? hay.startsWith(needle) : type === 'ends-with' ? hay.endsWith(needle) : hay.includes(needle);
    return hit !== negate;
  };
}

/** A vCard's values by property name (lines unfolded; text unescaped as far as matching needs). */
function vcardProps(vcard: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of vcard.replace(/\r\n[ \t]/g, '').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 1) continue;
    const name = line.slice(0, colon).split(';')[0]!.replace(/^[^.]*\./, '').toUpperCase();
    const value = line.slice(colon + 1).replace(/\\([,;\\])/g, '$1').replace(/\\n/gi, '\n');
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}
