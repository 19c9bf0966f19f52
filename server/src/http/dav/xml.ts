// WebDAV's XML (RFC 4918), read by saxes (a streaming, namespace-aware
// parser) and written by hand: bodies are small trees of known elements.
// A request body is hostile until read: a DOCTYPE (where entity bombs and
// external entities live) is refused outright, saxes expands no entity but
// the five of XML itself, and the depth and number of elements are bounded
// while reading (no recursion over what a client sent).
import { SaxesParser } from 'saxes';
import { InvalidRequest } from '../../lib/errors.ts';

export const NS = {
  dav: 'DAV:',
  card: 'urn:ietf:params:xml:ns:carddav',
  cal: 'urn:ietf:params:xml:ns:caldav',
  /** Apple's calendarserver extensions: getctag, which older clients poll. */
  cs: 'http://calendarserver.org/ns/',
} as const;
const PREFIX: Record<string, string> = { [NS.dav]: 'd', [NS.card]: 'card', [NS.cal]: 'cal', [NS.cs]: 'cs' };

export interface XmlElement {
  ns: string;
  name: string;
  /** `{ns}name`, as properties are keyed. */
  key: string;
  /** Its attributes in no namespace, by name (name="FN", match-type="equals"). */
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export const keyOf = (ns: string, name: string) => `{${ns}}${name}`;
export const child = (el: XmlElement | undefined, ns: string, name: string) => el?.children.find((c) => c.ns === ns && c.name === name);
export const childrenOf = (el: XmlElement | undefined, ns: string, name: string) => el?.children.filter((c) => c.ns === ns && c.name === name) ?? [];

export const XML_LIMITS = { depth: 16, elements: 5_000, textChars: 100_000 } as const;

/** The document's root element; InvalidRequest for anything malformed, with a DOCTYPE, too deep or too large. */
export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let chars = 0;
  parser.on('doctype', () => {
    throw new InvalidRequest('XML: a DOCTYPE is not accepted');
  });
  parser.on('opentag', (tag) => {
    if (stack.length >= XML_LIMITS.depth) throw new InvalidRequest(`XML: nested deeper than ${XML_LIMITS.depth}`);
    if (++elements > XML_LIMITS.elements) throw new InvalidRequest(`XML: more than ${XML_LIMITS.elements} elements`);
    const attrs = Object.fromEntries(Object.values(tag.attributes).flatMap((a) => (a.uri === '' && a.prefix === '' ? [[a.local, a.value]] : [])));
    const el: XmlElement = { ns: tag.uri, name: tag.local, key: keyOf(tag.uri, tag.local), attrs, children: [], text: '' };
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    else root = el;
    if (!tag.isSelfClosing) stack.push(el);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  const onText = (t: string) => {
    chars += t.length;
    if (chars > XML_LIMITS.textChars) throw new InvalidRequest('XML: too much text');
    if (stack.length) stack[stack.length - 1]!.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  try {
    parser.write(text).close();
  } catch (e) {
    if (e instanceof InvalidRequest) throw e;
    throw new InvalidRequest(`XML: ${(e as Error).message.split('\n')[0]!.slice(0, 200)}`);
  }
  if (!root) throw new InvalidRequest('XML: no element');
  return root;
}

export const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `{ns}name` as an element holding `inner` (XML already written); a namespace of ours gets its prefix, any other is declared on the element. */
export function element(key: string, inner = ''): string {
  const [, ns, name] = /^\{(.*)\}(.+)$/.exec(key)!;
  const prefix = PREFIX[ns!];
  const open = prefix ? `${prefix}:${name}` : `x:${name} xmlns:x="${escapeXml(ns!)}"`;
  const close = prefix ? `${prefix}:${name}` : `x:${name}`;
  return inner ? `<${open}>${inner}</${close}>` : `<${open}/>`;
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 424: 'Failed Dependency' };
export const statusLine = (code: number) => `<d:status>HTTP/1.1 ${code} ${STATUS_TEXT[code] ?? ''}</d:status>`;

/** One resource's answer in a multistatus: its properties found (written), and those it has not (with `missingStatus`). */
export function response(href: string, found: [string, string][], missing: string[] = [], missingStatus = 404): string {
  const stats = [
    ...(found.length ? [`<d:propstat><d:prop>${found.map(([k, v]) => element(k, v)).join('')}</d:prop>${statusLine(200)}</d:propstat>`] : []),
    ...(missing.length ? [`<d:propstat><d:prop>${missing.map((k) => element(k)).join('')}</d:prop>${statusLine(missingStatus)}</d:propstat>`] : []),
  ];
  return `<d:response><d:href>${escapeXml(href)}</d:href>${stats.join('')}</d:response>`;
}

/** A resource that is gone (a deletion in a sync report), or not found (a multiget). */
export const goneResponse = (href: string) => `<d:response><d:href>${escapeXml(href)}</d:href>${statusLine(404)}</d:response>`;

const DECLARATIONS = Object.entries(PREFIX)
  .map(([ns, p]) => `xmlns:${p}="${ns}"`)
  .join(' ');
export const multistatus = (responses: string[], after = '') => `<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus ${DECLARATIONS}>${responses.join('')}${after}</d:multistatus>\n`;
/** A failed precondition (RFC 4918 section 16): `<d:error>` holding the condition's element. */
export const errorBody = (key: string, inner = '') => `<?xml version="1.0" encoding="utf-8"?>\n<d:error ${DECLARATIONS}>${element(key, inner)}</d:error>\n`;
