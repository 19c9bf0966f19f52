// CardDAV's address books and cards (RFC 6352), as devices sync them:
// PROPFIND for a book's properties and its cards' ETags, the three reports
// (addressbook-multiget, addressbook-query, sync-collection of RFC 6578),
// GET, PUT and DELETE of one card with If-Match / If-None-Match. This file
// translates; what a card may hold and who may touch it is Contacts'.
import type { FastifyReply } from 'fastify';
import { CONTACT_LIMITS } from '@parley/protocol';
import type { UserRow } from '../../accounts/Accounts.ts';
import type { Contacts, DavCard } from '../../suite/contacts/Contacts.ts';
import { InvalidSyncToken } from '../../suite/contacts/errors.ts';
import { Forbidden, InvalidRequest, NotFound } from '../../lib/errors.ts';
import { answer, hrefSegment, homePath, principalPath, segmentsOf, type DavRequest } from './resource.ts';
import { child, childrenOf, element, errorBody, escapeXml, goneResponse, keyOf, multistatus, NS, response, statusLine, type XmlElement } from './xml.ts';

type Props = Record<string, () => string>;
const K = {
  resourcetype: keyOf(NS.dav, 'resourcetype'),
  displayname: keyOf(NS.dav, 'displayname'),
  getetag: keyOf(NS.dav, 'getetag'),
  addressData: keyOf(NS.card, 'address-data'),
} as const;
const VCARD_TYPES = ['text/vcard', 'text/x-vcard', 'text/directory'];

export const homeProps = (user: UserRow): Props => ({ [keyOf(NS.dav, 'owner')]: () => `<d:href>${principalPath(user)}</d:href>` });
const bookPath = (user: UserRow, bookId: string) => `${homePath(user)}${bookId}/`;
const syncToken = (bookId: string, seq: number) => `urn:parley:sync:${bookId}:${seq}`;
const quoted = (etag: string) => `"${etag}"`;

function bookProps(user: UserRow, bookId: string, book: { name: string; lastSeq: number }): Props {
  const report = (ns: string, name: string) => `<d:supported-report><d:report>${element(keyOf(ns, name))}</d:report></d:supported-report>`;
  const privileges = ['read', 'write', 'write-content', 'write-properties', 'bind', 'unbind', 'read-current-user-privilege-set'];
  return {
    [K.resourcetype]: () => '<d:collection/><card:addressbook/>',
    [K.displayname]: () => escapeXml(book.name),
    [keyOf(NS.dav, 'sync-token')]: () => syncToken(bookId, book.lastSeq),
    [keyOf(NS.cs, 'getctag')]: () => syncToken(bookId, book.lastSeq),
    [keyOf(NS.dav, 'supported-report-set')]: () => report(NS.card, 'addressbook-multiget') + report(NS.card, 'addressbook-query') + report(NS.dav, 'sync-collection'),
    [keyOf(NS.dav, 'current-user-privilege-set')]: () => privileges.map((p) => `<d:privilege><d:${p}/></d:privilege>`).join(''),
    [keyOf(NS.card, 'supported-address-data')]: () => '<card:address-data-type content-type="text/vcard" version="4.0"/>',
    [keyOf(NS.card, 'max-resource-size')]: () => String(CONTACT_LIMITS.vcardBytes),
    [keyOf(NS.dav, 'owner')]: () => `<d:href>${principalPath(user)}</d:href>`,
    [keyOf(NS.dav, 'current-user-principal')]: () => `<d:href>${principalPath(user)}</d:href>`,
  };
}

function cardProps(c: DavCard): Props {
  return {
    [K.resourcetype]: () => '',
    [K.getetag]: () => escapeXml(quoted(c.etag)),
    [keyOf(NS.dav, 'getcontenttype')]: () => 'text/vcard; charset=utf-8',
    [K.addressData]: () => escapeXml(c.vcard()),
  };
}

/** The home's address books, at Depth 1 of a PROPFIND on it. */
export async function booksAtDepth1(contacts: Contacts, req: DavRequest): Promise<string[]> {
  return (await contacts.davBooks(req.user.id)).map((b) => answer(req.xml, bookPath(req.user, b.id), bookProps(req.user, b.id, b)));
}

const xmlReply = (reply: FastifyReply, body: string) => reply.code(207).type('application/xml; charset=utf-8').send(body);

/** A request on an address book itself. */
export async function bookRequest(contacts: Contacts, req: DavRequest, bookId: string, reply: FastifyReply): Promise<FastifyReply> {
  const { user } = req;
  const href = bookPath(user, bookId);
  if (req.method === 'PROPFIND') {
    const book = await contacts.davBook(user.id, bookId);
    const responses = [answer(req.xml, href, bookProps(user, bookId, book))];
    if (req.depth === 1) for (const c of await contacts.davList(user.id, bookId)) responses.push(answer(req.xml, href + hrefSegment(c.href), cardProps(c), [K.addressData]));
    return xmlReply(reply, multistatus(responses));
  }
  if (req.method === 'REPORT') return report(contacts, req, bookId, reply);
  if (req.method === 'PROPPATCH') return proppatch(contacts, req, bookId, reply);
  if (req.method === 'GET' || req.method === 'HEAD') {
    const { text } = await contacts.exportVcard(user.id, bookId);
    return reply.type('text/vcard; charset=utf-8').send(req.method === 'HEAD' ? undefined : text);
  }
  // Deleting a whole book (its trash with it) is done in Parley, where it is asked twice.
  if (req.method === 'DELETE' || req.method === 'MKCOL') throw new Forbidden('address books are made and deleted in Parley');
  return reply.code(405).header('allow', 'OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, REPORT').send();
}

/** A request on one card of a book. */
export async function cardRequest(contacts: Contacts, req: DavRequest, bookId: string, name: string, reply: FastifyReply): Promise<FastifyReply> {
  const { user } = req;
  const ifMatch = etagHeader(req.header('if-match'));
  if (req.method === 'PUT') {
    const type = req.header('content-type')?.split(';')[0]!.trim().toLowerCase();
    if (type && !VCARD_TYPES.includes(type)) return reply.code(415).type('text/plain; charset=utf-8').send('a card is sent as text/vcard\n');
    const { created } = await contacts.davPut(user.id, bookId, name, req.text!, { ifMatch, ifNoneMatch: req.header('if-none-match')?.trim() === '*' });
    // No ETag: the card stored is Parley's writing of what was sent, not its bytes (RFC 6352 section 6.3.2.3); the device reads it back.
    return reply.code(created ? 201 : 204).send();
  }
  if (req.method === 'DELETE') {
    await contacts.davDelete(user.id, bookId, name, ifMatch);
    return reply.code(204).send();
  }
  const [card] = await contacts.davGet(user.id, bookId, [name]);
  if (!card) throw new NotFound('no such card');
  if (req.method === 'GET' || req.method === 'HEAD') {
    const text = card.vcard();
    reply.type('text/vcard; charset=utf-8').header('etag', quoted(card.etag));
    return req.method === 'HEAD' ? reply.header('content-length', Buffer.byteLength(text)).send() : reply.send(text);
  }
  if (req.method === 'PROPFIND') return xmlReply(reply, multistatus([answer(req.xml, bookPath(user, bookId) + hrefSegment(card.href), cardProps(card), [K.addressData])]));
  return reply.code(405).header('allow', 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND').send();
}

/** If-Match's ETag, unquoted ("*" as it is); a weak one never matches a card. */
function etagHeader(h: string | undefined): string | undefined {
  if (h === undefined) return undefined;
  const v = h.split(',')[0]!.trim();
  if (v === '*') return v;
  return /^"([^"]*)"$/.exec(v)?.[1] ?? '\u0000never';
}

async function report(contacts: Contacts, req: DavRequest, bookId: string, reply: FastifyReply): Promise<FastifyReply> {
  const { user } = req;
  const xml = req.xml;
  if (!xml) throw new InvalidRequest('REPORT: a body is needed');
  const prefix = bookPath(user, bookId);
  const props = child(xml, NS.dav, 'prop')?.children.map((c) => c.key) ?? [K.getetag];
  const cardResponse = (c: DavCard, href = prefix + hrefSegment(c.href)) => {
    const all = cardProps(c);
    return response(
      href,
      props.filter((k) => all[k]).map((k) => [k, all[k]!()]),
      props.filter((k) => !all[k]),
    );
  };
  if (xml.key === keyOf(NS.card, 'addressbook-multiget')) {
    const hrefs = childrenOf(xml, NS.dav, 'href').map((h) => h.text.trim());
    if (hrefs.length > 1000) throw new InvalidRequest('addressbook-multiget: at most 1000 cards at once');
    const names = new Map(hrefs.map((h) => [h, nameIn(h, user, bookId)] as const));
    const found = new Map((await contacts.davGet(user.id, bookId, [...names.values()].filter((n): n is string => !!n))).map((c) => [c.href, c]));
    return xmlReply(
      reply,
      multistatus(
        hrefs.map((h) => {
          const card = found.get(names.get(h) ?? '');
          return card ? cardResponse(card, h) : goneResponse(h);
        }),
      ),
    );
  }
  if (xml.key === keyOf(NS.dav, 'sync-collection')) {
    const token = child(xml, NS.dav, 'sync-token')?.text.trim() ?? '';
    let since: number | undefined;
    if (token) {
      const m = /^urn:parley:sync:([A-Za-z0-9_-]+):(\d{1,15})$/.exec(token);
      if (!m || m[1] !== bookId) throw new InvalidSyncToken('not a sync token of this address book');
      since = Number(m[2]);
    }
    const { lastSeq, changed, deleted } = await contacts.davChanges(user.id, bookId, since);
    return xmlReply(reply, multistatus([...changed.map((c) => cardResponse(c)), ...deleted.map((h) => goneResponse(prefix + hrefSegment(h)))], `<d:sync-token>${syncToken(bookId, lastSeq)}</d:sync-token>`));
  }
  if (xml.key === keyOf(NS.card, 'addressbook-query')) {
    const filter = cardFilter(child(xml, NS.card, 'filter'));
    const nresults = Number(child(child(xml, NS.card, 'limit'), NS.card, 'nresults')?.text.trim() || Infinity);
    const out: string[] = [];
    let seen = 0;
    for (const c of await contacts.davList(user.id, bookId)) {
      if (out.length >= nresults) break;
      if (filter(c.vcard())) out.push(cardResponse(c));
      // A long book is read in slices: a query over 20,000 cards does not hold meetings and chat still.
      if (++seen % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    return xmlReply(reply, multistatus(out));
  }
  return reply.code(403).type('application/xml; charset=utf-8').send(errorBody(keyOf(NS.dav, 'supported-report')));
}

/** The card's name if `href` (a path or a URL) is a card of this book, of this user. */
function nameIn(href: string, user: UserRow, bookId: string): string | undefined {
  try {
    const path = href.startsWith('/') ? href : new URL(href).pathname;
    if (!path.startsWith('/dav/')) return undefined;
    const [area, owner, book, name, ...rest] = segmentsOf(path);
    return area === 'addressbooks' && owner === user.id && book === bookId && name && !rest.length ? name : undefined;
  } catch {
    return undefined;
  }
}

/** PROPPATCH: a book's name may be set (DAV:displayname); nothing else is, and then nothing is (RFC 4918: all or none). */
async function proppatch(contacts: Contacts, req: DavRequest, bookId: string, reply: FastifyReply): Promise<FastifyReply> {
  const xml = req.xml;
  if (!xml || xml.key !== keyOf(NS.dav, 'propertyupdate')) throw new InvalidRequest('PROPPATCH: the body must be a DAV:propertyupdate');
  const changes = xml.children.flatMap((op) => (child(op, NS.dav, 'prop')?.children ?? []).map((p) => ({ op: op.name, prop: p })));
  const refused = changes.filter((c) => c.prop.key !== K.displayname || c.op !== 'set' || !c.prop.text.trim());
  if (!refused.length && changes.length) await contacts.renameBook(req.user.id, bookId, changes.at(-1)!.prop.text);
  else await contacts.davBook(req.user.id, bookId);
  const statusOf = (c: (typeof changes)[number]) => (refused.length ? (refused.includes(c) ? 403 : 424) : 200);
  const byStatus = Map.groupBy(changes, statusOf);
  const stats = [...byStatus].map(([code, cs]) => `<d:propstat><d:prop>${cs.map((c) => element(c.prop.key)).join('')}</d:prop>${statusLine(code)}</d:propstat>`);
  return xmlReply(reply, multistatus([`<d:response><d:href>${escapeXml(bookPath(req.user, bookId))}</d:href>${stats.join('')}</d:response>`]));
}

/**
 * addressbook-query's filter (RFC 6352 section 10.5) as a test of a card's
 * vCard text: prop-filters by property name, each "is defined", "is not
 * defined" or text-matches (contains, equals, starts-with, ends-with, case
 * blind as i;unicode-casemap), combined anyof (the default) or allof.
 * Parameter filters are not supported and refused.
 */
function cardFilter(filter: XmlElement | undefined): (vcard: string) => boolean {
  const propFilters = childrenOf(filter, NS.card, 'prop-filter');
  if (!filter || !propFilters.length) return () => true;
  if (propFilters.some((p) => childrenOf(p, NS.card, 'param-filter').length)) throw new UnsupportedFilter();
  const tests = propFilters.map((pf) => {
    const name = (pf.attrs.name ?? '').toUpperCase();
    const notDefined = !!child(pf, NS.card, 'is-not-defined');
    const matches = childrenOf(pf, NS.card, 'text-match').map((tm) => {
      const attrs = tm.attrs;
      const needle = tm.text.toLocaleLowerCase();
      const type = attrs['match-type'] ?? 'contains';
      const negate = attrs['negate-condition'] === 'yes';
      return (v: string) => {
        const hay = v.toLocaleLowerCase();
        const hit = type === 'equals' ? hay === needle : type === 'starts-with' ? hay.startsWith(needle) : type === 'ends-with' ? hay.endsWith(needle) : hay.includes(needle);
        return hit !== negate;
      };
    });
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
  return (vcard) => {
    const props = vcardProps(vcard);
    return allOf ? tests.every((t) => t(props)) : tests.some((t) => t(props));
  };
}
class UnsupportedFilter extends Forbidden {
  constructor() {
    super('addressbook-query: param-filter is not supported');
  }
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
