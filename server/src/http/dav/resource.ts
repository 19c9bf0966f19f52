// What every DAV resource shares: the paths of one's collections, how a
// request's path is read, and how a PROPFIND is answered from a resource's
// properties.
import type { FastifyReply } from 'fastify';
import type { UserRow } from '../../accounts/Accounts.ts';
import { InvalidRequest } from '../../lib/errors.ts';
import { child, element, escapeXml, keyOf, multistatus, NS, response, type XmlElement } from './xml.ts';

export const DAV_ROOT = '/dav/';
export const principalPath = (u: UserRow) => `${DAV_ROOT}principals/${u.id}/`;

/** What a DAV request is about: its target, who asks, its body. */
export interface DavRequest {
  user: UserRow;
  method: string;
  /** 0 or 1 (a Depth of infinity is refused). */
  depth: 0 | 1;
  /** The body as XML (PROPFIND, REPORT, PROPPATCH), if it has one. */
  xml?: XmlElement;
  /** The body as text (PUT). */
  text?: string;
  header(name: string): string | undefined;
}

/**
 * The path's segments after /dav/, each decoded once. A segment that is
 * empty (but the last), "." or "..", or holds a slash, a backslash or a
 * control character once decoded, is refused: names are database keys here,
 * never file paths, but no client has a use for them either.
 */
export function segmentsOf(rawUrl: string): string[] {
  const path = rawUrl.split('?')[0]!;
  const parts = path.replace(/^\/dav\/?/, '').split('/');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => {
    let s: string;
    try {
      s = decodeURIComponent(p);
    } catch {
      throw new InvalidRequest('a path segment that is not valid percent-encoding');
    }
    if (!s || s === '.' || s === '..' || s.length > 200 || /[/\\\p{Cc}]/u.test(s)) throw new InvalidRequest('a path segment that is not a name');
    return s;
  });
}

/** A resource name as written in an href: percent-encoded, but for what a path segment may hold as it is (RFC 3986 pchar). */
export const hrefSegment = (s: string) => encodeURIComponent(s).replace(/%(40|3A|2B|3D|2C|24|26)/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

export type Props = Record<string, () => string>;

/**
 * PROPFIND on a collection that is not an address book (the root, the
 * principal, the address book home), with its `kids` at Depth 1; every other
 * method is not allowed there.
 */
export async function collection(req: DavRequest, reply: FastifyReply, href: string, types: string[], own: Props, name: string, kids?: () => Promise<string[]>): Promise<FastifyReply> {
  if (req.method !== 'PROPFIND') return reply.code(405).header('allow', 'OPTIONS, PROPFIND').send();
  const props: Props = {
    [keyOf(NS.dav, 'resourcetype')]: () => types.map((t) => element(t)).join(''),
    [keyOf(NS.dav, 'displayname')]: () => escapeXml(name),
    [keyOf(NS.dav, 'current-user-principal')]: () => `<d:href>${principalPath(req.user)}</d:href>`,
    [keyOf(NS.dav, 'principal-URL')]: () => `<d:href>${principalPath(req.user)}</d:href>`,
    ...own,
  };
  const responses = [answer(req.xml, href, props)];
  if (kids && req.depth === 1) responses.push(...(await kids()));
  return reply.code(207).type('application/xml; charset=utf-8').send(multistatus(responses));
}

/** One resource's PROPFIND answer: the properties asked for (all, for allprop or no body), those it lacks as 404. */
export function answer(xml: XmlElement | undefined, href: string, props: Props, notInAllprop: string[] = []): string {
  if (xml && (xml.ns !== NS.dav || xml.name !== 'propfind')) throw new InvalidRequest('PROPFIND: the body must be a DAV:propfind');
  if (child(xml, NS.dav, 'propname')) return response(href, Object.keys(props).map((k) => [k, '']));
  const asked = child(xml, NS.dav, 'prop')?.children.map((c) => c.key);
  const keys = asked ?? Object.keys(props).filter((k) => !notInAllprop.includes(k));
  return response(
    href,
    keys.filter((k) => props[k]).map((k) => [k, props[k]!()]),
    keys.filter((k) => !props[k]),
  );
}
