// A DAV collection of text resources (an address book of vCards, a calendar
// of iCalendar events) as devices sync it: PROPFIND for its properties and
// its items' ETags, multiget and query reports, sync-collection (RFC 6578)
// from the collection's change numbers, GET/PUT/DELETE of one item with
// If-Match / If-None-Match. carddav.ts and caldav.ts say what differs (the
// data's element and type, the query's filter, the collection's own
// properties); the rules behind them are Contacts' and Calendar's.
import type { FastifyReply } from 'fastify';
import type { UserRow } from '../../accounts/Accounts.ts';
import { InvalidRequest, InvalidSyncToken, NotFound } from '../../lib/errors.ts';
import { visibleText } from '../../lib/names.ts';
import { answer, hrefSegment, segmentsOf, type DavRequest, type Props } from './resource.ts';
import { child, childrenOf, element, errorBody, escapeXml, goneResponse, keyOf, multistatus, NS, response, statusLine, type XmlElement } from './xml.ts';

/** A collection's new name or colour, as a device sets it. */
export interface CollectionChange {
  name?: string;
  color?: string;
}

/** A DAV:displayname as a collection's new name: at most 100 characters, one visible at least (as on the web); refused otherwise. */
export function displayNameChange(text: string): CollectionChange | undefined {
  const name = visibleText(text, 101);
  return name && Array.from(name).length <= 100 ? { name } : undefined;
}

/** One resource of a collection: its name, ETag, and text written when asked for (a listing wants ETags only), in the data version asked for if any. */
export interface DavItem {
  href: string;
  etag: string;
  body(version?: string): string;
}

/** What one kind of collection is and does, for one user. */
export interface DavCollections {
  /** The path segment of these collections' homes ("addressbooks", "calendars"). */
  area: string;
  /** The element an item's text travels in (card:address-data, cal:calendar-data). */
  dataKey: string;
  contentType: string;
  /** Media types a PUT may declare (none declared is accepted too). */
  putTypes: string[];
  multigetKey: string;
  queryKey: string;
  /** The collections of the user's home, with their properties. */
  list(user: UserRow): Promise<{ id: string; props: Props }[]>;
  /** One collection's properties (not found unless the user may read it). */
  props(user: UserRow, id: string): Promise<Props>;
  items(user: UserRow, id: string): Promise<DavItem[]>;
  get(user: UserRow, id: string, hrefs: string[]): Promise<DavItem[]>;
  changes(user: UserRow, id: string, since: number | undefined): Promise<{ lastSeq: number; changed: DavItem[]; deleted: string[] }>;
  put(user: UserRow, id: string, href: string, text: string, cond: { ifMatch?: string; ifNoneMatch?: boolean }): Promise<{ created: boolean }>;
  remove(user: UserRow, id: string, href: string, ifMatch: string | undefined): Promise<void>;
  /**
   * What a PROPPATCH may set: each property's reader turns the text sent
   * into a change of the collection, or undefined for a value refused.
   */
  settable: Record<string, (text: string) => CollectionChange | undefined>;
  change(user: UserRow, id: string, change: CollectionChange): Promise<void>;
  /** A query report's filter as a test of items (the whole collection is tested, in slices). */
  filter(filter: XmlElement | undefined): (item: DavItem) => boolean;
}

/**
 * What one answer may hold of items' text: a client asking for more at once
 * (20,000 cards with their photos) is told to ask for fewer (507), as RFC
 * 6578 lets a server say, rather than the server building gigabytes.
 */
const RESPONSE_CHARS = 32 * 1024 * 1024;
export class ResponseTooLarge extends Error {
  constructor() {
    super('this answer would be too large: ask for fewer items at once (a multiget in batches)');
  }
}

/** Each item's answer, the event loop let go every 200 items, within RESPONSE_CHARS. */
async function each<T>(items: T[], one: (item: T) => string): Promise<string[]> {
  const out: string[] = [];
  let chars = 0;
  for (const [i, item] of items.entries()) {
    const r = one(item);
    chars += r.length;
    if (chars > RESPONSE_CHARS) throw new ResponseTooLarge();
    out.push(r);
    if (i % 200 === 199) await new Promise((done) => setImmediate(done));
  }
  return out;
}

export const homePathOf = (kind: DavCollections, user: UserRow) => `/dav/${kind.area}/${user.id}/`;
const collectionPath = (kind: DavCollections, user: UserRow, id: string) => `${homePathOf(kind, user)}${id}/`;
export const syncToken = (id: string, seq: number) => `urn:parley:sync:${id}:${seq}`;
const quoted = (etag: string) => `"${etag}"`;
const xmlReply = (reply: FastifyReply, body: string) => reply.code(207).type('application/xml; charset=utf-8').send(body);


/** `version`: of the data, as the request's data element asked (address-data version="4.0"). */
function itemProps(kind: DavCollections, item: DavItem, version?: string): Props {
  return {
    [keyOf(NS.dav, 'resourcetype')]: () => '',
    [keyOf(NS.dav, 'getetag')]: () => escapeXml(quoted(item.etag)),
    [keyOf(NS.dav, 'getcontenttype')]: () => `${kind.contentType}; charset=utf-8`,
    [kind.dataKey]: () => escapeXml(item.body(version)),
  };
}

/** The data version a body's data element asks for (card:address-data version="3.0"), if any. */
const versionIn = (kind: DavCollections, xml: XmlElement | undefined) => child(xml, NS.dav, 'prop')?.children.find((c) => c.key === kind.dataKey)?.attrs.version;

/** The home's collections, at Depth 1 of a PROPFIND on it. */
export async function collectionsAtDepth1(kind: DavCollections, req: DavRequest): Promise<string[]> {
  return (await kind.list(req.user)).map((c) => answer(req.xml, collectionPath(kind, req.user, c.id), c.props));
}

/** A request on a collection itself. */
export async function collectionRequest(kind: DavCollections, req: DavRequest, id: string, reply: FastifyReply): Promise<FastifyReply> {
  const { user } = req;
  const href = collectionPath(kind, user, id);
  if (req.method === 'PROPFIND') {
    const responses = [answer(req.xml, href, await kind.props(user, id))];
    const version = versionIn(kind, req.xml);
    if (req.depth === 1) responses.push(...(await each(await kind.items(user, id), (item) => answer(req.xml, href + hrefSegment(item.href), itemProps(kind, item, version), [kind.dataKey]))));
    return xmlReply(reply, multistatus(responses));
  }
  if (req.method === 'REPORT') return report(kind, req, id, reply);
  if (req.method === 'PROPPATCH') return proppatch(kind, req, id, reply);
  // Collections are made and deleted in Parley, where deleting one is asked twice.
  if (req.method === 'DELETE' || req.method === 'MKCOL') return reply.code(403).type('text/plain; charset=utf-8').send('collections are made and deleted in Parley\n');
  await kind.props(user, id);
  return reply.code(405).header('allow', 'OPTIONS, PROPFIND, PROPPATCH, REPORT').send();
}

/** A request on one item of a collection. */
export async function itemRequest(kind: DavCollections, req: DavRequest, id: string, name: string, reply: FastifyReply): Promise<FastifyReply> {
  const { user } = req;
  const ifMatch = etagHeader(req.header('if-match'));
  if (req.method === 'PUT') {
    const type = req.header('content-type')?.split(';')[0]!.trim().toLowerCase();
    if (type && !kind.putTypes.includes(type)) return reply.code(415).type('text/plain; charset=utf-8').send(`send ${kind.contentType}\n`);
    const { created } = await kind.put(user, id, name, req.text!, { ifMatch, ifNoneMatch: req.header('if-none-match')?.trim() === '*' });
    // No ETag: what is stored is Parley's writing of what was sent, not its bytes (RFC 4791 5.3.4, RFC 6352 6.3.2.3); the device reads it back.
    return reply.code(created ? 201 : 204).send();
  }
  if (req.method === 'DELETE') {
    await kind.remove(user, id, name, ifMatch);
    return reply.code(204).send();
  }
  const [item] = await kind.get(user, id, [name]);
  if (!item) throw new NotFound('no such item');
  if (req.method === 'GET' || req.method === 'HEAD') {
    // Accept: text/vcard; version=4.0 (RFC 6352 section 6.3.2.4).
    const text = item.body(/version=\s*"?([\d.]+)/.exec(req.header('accept') ?? '')?.[1]);
    reply.type(`${kind.contentType}; charset=utf-8`).header('etag', quoted(item.etag));
    return req.method === 'HEAD' ? reply.header('content-length', Buffer.byteLength(text)).send() : reply.send(text);
  }
  if (req.method === 'PROPFIND') return xmlReply(reply, multistatus([answer(req.xml, collectionPath(kind, user, id) + hrefSegment(item.href), itemProps(kind, item, versionIn(kind, req.xml)), [kind.dataKey])]));
  return reply.code(405).header('allow', 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND').send();
}

/** If-Match's ETag, unquoted ("*" as it is); a weak one never matches. */
function etagHeader(h: string | undefined): string | undefined {
  if (h === undefined) return undefined;
  const v = h.split(',')[0]!.trim();
  if (v === '*') return v;
  return /^"([^"]*)"$/.exec(v)?.[1] ?? '\u0000never';
}

async function report(kind: DavCollections, req: DavRequest, id: string, reply: FastifyReply): Promise<FastifyReply> {
  const { user, xml } = req;
  if (!xml) throw new InvalidRequest('REPORT: a body is needed');
  const prefix = collectionPath(kind, user, id);
  const props = child(xml, NS.dav, 'prop')?.children.map((c) => c.key) ?? [keyOf(NS.dav, 'getetag')];
  const version = versionIn(kind, xml);
  const itemResponse = (item: DavItem, href = prefix + hrefSegment(item.href)) => {
    const all = itemProps(kind, item, version);
    return response(
      href,
      props.filter((k) => all[k]).map((k) => [k, all[k]!()]),
      props.filter((k) => !all[k]),
    );
  };
  if (xml.key === kind.multigetKey) {
    const hrefs = childrenOf(xml, NS.dav, 'href').map((h) => h.text.trim());
    if (hrefs.length > 1000) throw new InvalidRequest('multiget: at most 1000 items at once');
    const names = new Map(hrefs.map((h) => [h, nameIn(kind, h, user, id)] as const));
    const found = new Map((await kind.get(user, id, [...names.values()].filter((n): n is string => !!n))).map((c) => [c.href, c]));
    return xmlReply(
      reply,
      multistatus(
        await each(hrefs, (h) => {
          const item = found.get(names.get(h) ?? '');
          return item ? itemResponse(item, h) : goneResponse(h);
        }),
      ),
    );
  }
  if (xml.key === keyOf(NS.dav, 'sync-collection')) {
    const token = child(xml, NS.dav, 'sync-token')?.text.trim() ?? '';
    let since: number | undefined;
    if (token) {
      const m = /^urn:parley:sync:([A-Za-z0-9_-]+):(\d{1,15})$/.exec(token);
      if (!m || m[1] !== id) throw new InvalidSyncToken('not a sync token of this collection');
      since = Number(m[2]);
    }
    const { lastSeq, changed, deleted } = await kind.changes(user, id, since);
    const answers = [...(await each(changed, (c) => itemResponse(c))), ...deleted.map((h) => goneResponse(prefix + hrefSegment(h)))];
    return xmlReply(reply, multistatus(answers, `<d:sync-token>${syncToken(id, lastSeq)}</d:sync-token>`));
  }
  if (xml.key === kind.queryKey) {
    const test = kind.filter(child(xml, xml.ns, 'filter'));
    const nresults = Number(child(child(xml, xml.ns, 'limit'), xml.ns, 'nresults')?.text.trim() || Infinity);
    const items = await kind.items(user, id);
    const out: DavItem[] = [];
    for (const [i, item] of items.entries()) {
      if (out.length >= nresults) break;
      if (test(item)) out.push(item);
      // A long collection is tested in slices: a query over 20,000 items does not hold meetings and chat still.
      if (i % 200 === 199) await new Promise((done) => setImmediate(done));
    }
    return xmlReply(reply, multistatus(await each(out, (item) => itemResponse(item))));
  }
  return reply.code(403).type('application/xml; charset=utf-8').send(errorBody(keyOf(NS.dav, 'supported-report')));
}

/** The item's name if `href` (a path or a URL) is an item of this collection, of this user. */
function nameIn(kind: DavCollections, href: string, user: UserRow, id: string): string | undefined {
  try {
    const path = href.startsWith('/') ? href : new URL(href).pathname;
    if (!path.startsWith('/dav/')) return undefined;
    const [area, owner, collection, name, ...rest] = segmentsOf(path);
    return area === kind.area && owner === user.id && collection === id && name && !rest.length ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PROPPATCH: what the kind lets be set (a name; a calendar's colour too),
 * with a value it accepts; anything else is refused, and then nothing is set
 * (RFC 4918: all or none).
 */
async function proppatch(kind: DavCollections, req: DavRequest, id: string, reply: FastifyReply): Promise<FastifyReply> {
  const xml = req.xml;
  if (!xml || xml.key !== keyOf(NS.dav, 'propertyupdate')) throw new InvalidRequest('PROPPATCH: the body must be a DAV:propertyupdate');
  const changes = xml.children.flatMap((op) => (child(op, NS.dav, 'prop')?.children ?? []).map((p) => ({ op: op.name, prop: p, change: op.name === 'set' ? kind.settable[p.key]?.(p.text) : undefined })));
  const refused = changes.filter((c) => !c.change);
  if (!refused.length && changes.length) await kind.change(req.user, id, Object.assign({}, ...changes.map((c) => c.change)) as CollectionChange);
  else await kind.props(req.user, id);
  const statusOf = (c: (typeof changes)[number]) => (refused.length ? (refused.includes(c) ? 403 : 424) : 200);
  const stats = [...Map.groupBy(changes, statusOf)].map(([code, cs]) => `<d:propstat><d:prop>${cs.map((c) => element(c.prop.key)).join('')}</d:prop>${statusLine(code)}</d:propstat>`);
  return xmlReply(reply, multistatus([`<d:response><d:href>${escapeXml(collectionPath(kind, req.user, id))}</d:href>${stats.join('')}</d:response>`]));
}

/** A collection's DAV properties common to both kinds. */
export function collectionProps(p: { id: string; name: string; lastSeq: number; writable: boolean; owner: string; reports: string[] }): Props {
  const privileges = ['read', 'read-current-user-privilege-set', ...(p.writable ? ['write', 'write-content', 'write-properties', 'bind', 'unbind'] : [])];
  return {
    [keyOf(NS.dav, 'displayname')]: () => escapeXml(p.name),
    [keyOf(NS.dav, 'sync-token')]: () => syncToken(p.id, p.lastSeq),
    [keyOf(NS.cs, 'getctag')]: () => syncToken(p.id, p.lastSeq),
    [keyOf(NS.dav, 'supported-report-set')]: () => [...p.reports, keyOf(NS.dav, 'sync-collection')].map((r) => `<d:supported-report><d:report>${element(r)}</d:report></d:supported-report>`).join(''),
    [keyOf(NS.dav, 'current-user-privilege-set')]: () => privileges.map((x) => `<d:privilege><d:${x}/></d:privilege>`).join(''),
    [keyOf(NS.dav, 'owner')]: () => `<d:href>${escapeXml(p.owner)}</d:href>`,
  };
}
