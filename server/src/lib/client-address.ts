// The address of the person behind a request. Behind a reverse proxy the
// socket's peer is the proxy, and the client's address is in
// X-Forwarded-For; but anyone can send that header. Only the hops the
// operator names (TRUST_PROXY: addresses, CIDR ranges, or loopback /
// linklocal / uniquelocal) are believed, walking the header from the right:
// the first address not of a trusted proxy is the client. HTTP (fastify) and
// Socket.IO handshakes read it the same way.
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import { StartupError } from '@parley/platform';

export type TrustProxy = (address: string, hop: number) => boolean;

const trustNobody: TrustProxy = () => false;

/** The trust function of TRUST_PROXY's list; none trusts no header at all. */
export function trustProxies(list: readonly string[]): TrustProxy {
  return list.length ? proxyAddr.compile([...list]) : trustNobody;
}

/** Checks a TRUST_PROXY entry list at start (proxy-addr throws on a bad address or range). */
export function parseTrustProxy(raw: string | undefined): string[] {
  if (!raw) return [];
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.some((s) => /^\d+$/.test(s) && !s.includes('.'))) {
    throw new StartupError('TRUST_PROXY names the proxies in front of Parley (addresses or ranges such as 127.0.0.1,10.0.0.0/8, or loopback), not a number of hops: a count would trust whatever the client sends');
  }
  try {
    proxyAddr.compile(list);
  } catch (error) {
    throw new StartupError(`TRUST_PROXY: ${(error as Error).message}`);
  }
  return list;
}

export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  return proxyAddr(req, trust);
}

/**
 * The network an address stands for when counting what one client does: an
 * IPv4 address itself, an IPv6 address's /64 (one subscriber gets a whole
 * /64 and can pick any address in it).
 */
export function networkOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const full = address.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${full.slice(0, 4).map((h) => h.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
