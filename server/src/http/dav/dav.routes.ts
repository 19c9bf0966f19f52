// The WebDAV edge devices sync with (CardDAV, RFC 6352; CalDAV, RFC 4791):
// discovery (RFC 6764's /.well-known/carddav and caldav, the principal and
// its homes), Basic auth
// with an app password (never the account password), and the paths of one's
// own collections. Every path is read here, segment by segment, before any
// store is asked: another person's principal, home or book is not found, and
// a segment such as "..", an encoded slash or a control character is refused.
// What a collection answers is in collection.ts, what differs between
// address books and calendars in carddav.ts and caldav.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONTACT_LIMITS, DomainError } from '@parley/protocol';
import type { Accounts, UserRow } from '../../accounts/Accounts.ts';
import type { Contacts } from '../../suite/contacts/Contacts.ts';
import type { CalendarSync } from '../../suite/calendar/sync.ts';
import { Forbidden, InvalidRequest, NotFound, UidConflict, Unauthorized } from '../../lib/errors.ts';
import { statusOf } from '../errors.ts';
import { addressBooks } from './carddav.ts';
import { calendars } from './caldav.ts';
import { collectionRequest, collectionsAtDepth1, homePathOf, itemRequest, ResponseTooLarge, type DavCollections } from './collection.ts';
import { collection, DAV_ROOT, principalPath, segmentsOf, type DavRequest } from './resource.ts';
import { errorBody, escapeXml, keyOf, NS, parseXml } from './xml.ts';

/** XML bodies (PROPFIND, REPORT, PROPPATCH) are small; a vCard with its photo, or an event with its exceptions, may be larger. */
const XML_BYTES = 256 * 1024;
const ITEM_BYTES = CONTACT_LIMITS.vcardBytes;
const METHODS = ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', 'PROPFIND', 'PROPPATCH', 'REPORT', 'MKCOL'] as const;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function registerDavRoutes(parent: FastifyInstance, deps: { accounts: Accounts; contacts: Contacts; calendarSync: CalendarSync }): void {
  const kinds = new Map<string, DavCollections>([addressBooks(deps.contacts), calendars(deps.calendarSync)].map((k) => [k.area, k]));
  for (const m of ['PROPFIND', 'PROPPATCH', 'REPORT', 'MKCOL']) if (!parent.supportedMethods.includes(m)) parent.addHttpMethod(m, { hasBody: true });

  parent.register(async (dav) => {
    dav.removeAllContentTypeParsers();
    // Any type: devices send XML as text/xml or application/xml, vCards as text/vcard or text/x-vcard, some nothing at all.
    dav.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ITEM_BYTES }, (_req, body, done) => done(null, body));
    const users = new WeakMap<FastifyRequest, UserRow>();
    // RFC 6764: a device told only the server's name finds the service here (its PROPFIND body read as any other, then left).
    for (const url of ['/.well-known/carddav', '/.well-known/caldav']) dav.route({ method: ['GET', 'PROPFIND'], url, handler: (_req, reply) => reply.redirect(DAV_ROOT, 301) });
    dav.addHook('onRequest', async (req, reply) => {
      if (req.method === 'OPTIONS' || req.url.startsWith('/.well-known/')) return;
      try {
        users.set(req, await basicUser(deps.accounts, req));
      } catch (e) {
        if (e instanceof DomainError && (e.code === 'INVALID_CREDENTIALS' || e.code === 'UNAUTHORIZED'))
          return reply.code(401).header('www-authenticate', 'Basic realm="Parley", charset="UTF-8"').type('text/plain; charset=utf-8').send(`${e.message}\n`);
        throw e;
      }
    });
    dav.setErrorHandler((error: Error & { code?: string; statusCode?: number }, req, reply) => {
      if (error instanceof DomainError) {
        const status = statusOf(error.code);
        reply.code(status);
        if (error instanceof DepthInfinity) return reply.type('application/xml; charset=utf-8').send(errorBody(keyOf(NS.dav, 'propfind-finite-depth')));
        if (error.code === 'INVALID_SYNC_TOKEN') return reply.type('application/xml; charset=utf-8').send(errorBody(keyOf(NS.dav, 'valid-sync-token')));
        if (error instanceof UidConflict) return reply.type('application/xml; charset=utf-8').send(errorBody(keyOf(NS.card, 'no-uid-conflict'), `<d:href>${escapeXml(error.href)}</d:href>`));
        return reply.type('text/plain; charset=utf-8').send(`${error.message}\n`);
      }
      if (error instanceof ResponseTooLarge) return reply.code(507).type('text/plain; charset=utf-8').send(`${error.message}\n`);
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).type('text/plain; charset=utf-8').send('request body too large\n');
      if (error.statusCode && error.statusCode < 500) return reply.code(error.statusCode).type('text/plain; charset=utf-8').send(`${error.message}\n`);
      req.log.error({ err: error, method: req.method }, 'dav request failed');
      return reply.code(500).type('text/plain; charset=utf-8').send('internal error\n');
    });

    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      reply.header('dav', '1, 3, addressbook, calendar-access');
      if (req.method === 'OPTIONS') return reply.header('allow', METHODS.join(', ')).code(200).send();
      const user = users.get(req)!;
      const segments = segmentsOf(req.raw.url ?? '/');
      const body = req.body instanceof Buffer ? req.body : undefined;
      const dreq: DavRequest = { user, method: req.method, depth: depthOf(req.headers.depth), header: (n) => single(req.headers[n]) };
      if (body?.length && req.method !== 'PUT') {
        if (body.length > XML_BYTES) return reply.code(413).type('text/plain; charset=utf-8').send('request body too large\n');
        dreq.xml = parseXml(utf8(body));
      }
      if (req.method === 'PUT') dreq.text = utf8(body ?? Buffer.alloc(0)).replace(/^\uFEFF/, '');

      const [area, owner, id, href, ...rest] = segments;
      if (rest.length) throw new NotFound('no such resource');
      if (area === undefined) return collection(dreq, reply, DAV_ROOT, [keyOf(NS.dav, 'collection')], {}, user.name);
      if (owner !== user.id) throw new NotFound('no such resource among yours');
      const homes = (k: DavCollections) => () => `<d:href>${homePathOf(k, user)}</d:href>`;
      if (area === 'principals' && id === undefined)
        return collection(dreq, reply, principalPath(user), [keyOf(NS.dav, 'principal')], {
          [keyOf(NS.card, 'addressbook-home-set')]: homes(kinds.get('addressbooks')!),
          [keyOf(NS.cal, 'calendar-home-set')]: homes(kinds.get('calendars')!),
          [keyOf(NS.cal, 'calendar-user-address-set')]: () => `<d:href>mailto:${escapeXml(user.email)}</d:href>`,
        }, user.name);
      const kind = kinds.get(area);
      if (!kind) throw new NotFound('no such resource');
      if (id === undefined) return collection(dreq, reply, homePathOf(kind, user), [keyOf(NS.dav, 'collection')], { [keyOf(NS.dav, 'owner')]: () => `<d:href>${principalPath(user)}</d:href>` }, user.name, () => collectionsAtDepth1(kind, dreq));
      if (!ID.test(id)) throw new NotFound('no such collection');
      if (href === undefined) return collectionRequest(kind, dreq, id, reply);
      return itemRequest(kind, dreq, id, href, reply);
    };
    dav.route({ method: [...METHODS], url: '/dav', handler, exposeHeadRoute: false });
    dav.route({ method: [...METHODS], url: '/dav/*', handler, exposeHeadRoute: false });
  });
}

/** The signed-in user of a Basic Authorization header: their username or e-mail address and one of their app passwords. */
async function basicUser(accounts: Accounts, req: FastifyRequest): Promise<UserRow> {
  const m = /^Basic ([A-Za-z0-9+/=]{1,600})$/i.exec(single(req.headers.authorization) ?? '');
  if (!m) throw new Unauthorized('sign in with your username and an app password (Account > App passwords)');
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new Unauthorized('sign in with your username and an app password');
  return accounts.byAppPassword(decoded.slice(0, colon), decoded.slice(colon + 1), req.ip);
}

function depthOf(h: string | string[] | undefined): 0 | 1 {
  const v = single(h)?.trim().toLowerCase();
  // RFC 4918 asks servers to refuse infinity on collections (propfind-finite-depth); none of ours goes deeper than 1.
  if (v === 'infinity') throw new DepthInfinity();
  return v === '1' ? 1 : 0;
}
class DepthInfinity extends Forbidden {
  constructor() {
    super('Depth: infinity is not supported; ask with Depth: 1');
  }
}
const single = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);

/** UTF-8 only: a vCard or XML in another encoding (or binary) is refused as such, not stored garbled. */
function utf8(body: Buffer): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    if (text.includes('\u0000')) throw new Error('NUL');
    return text;
  } catch {
    throw new UnsupportedEncoding();
  }
}
export class UnsupportedEncoding extends InvalidRequest {
  constructor() {
    super('the body must be text in UTF-8');
  }
}
