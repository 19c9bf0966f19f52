// Links the server makes (a meeting's URL, an invitation, a recording's share
// link, a live stream's viewer page) must work for the person who gets them.
// With PUBLIC_URL set they use it. Without it, they use the address the
// request came on (what the person typed: a LAN address, a host name), not
// the address the server listens on, which from another machine is often
// "localhost". X-Forwarded-Host/-Proto count only from TRUST_PROXY's hops.
//
// The origin of the request being served is kept in an AsyncLocalStorage, so
// the domain asks "which base URL?" without every call passing a request.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { TrustProxy } from './client-address.ts';

export const requestOrigin = new AsyncLocalStorage<string | undefined>();

/** A host (name, IPv4 or [IPv6]) with an optional port: nothing else goes into a link. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

const first = (h: string | string[] | undefined): string | undefined => (Array.isArray(h) ? h[0] : h)?.split(',')[0]?.trim();

/** The origin (scheme://host[:port]) a request came on, or undefined when its Host header is not a plain host. */
export function originOf(req: IncomingMessage, trust: TrustProxy): string | undefined {
  const peer = req.socket.remoteAddress ?? '';
  const proxied = trust(peer, 0);
  const host = (proxied ? first(req.headers['x-forwarded-host']) : undefined) ?? first(req.headers.host);
  if (!host || host.length > 260 || !HOST.test(host)) return undefined;
  const forwardedProto = proxied ? first(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const proto = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${proto}://${host.toLowerCase()}`;
}

/**
 * The base of links made now: PUBLIC_URL when set, else the origin of the
 * request being served, else `fallback` (work with no request behind it: a
 * daily agenda, a job).
 */
export function linkBase(publicUrl: string | undefined, fallback: () => string): () => string {
  return () => publicUrl ?? requestOrigin.getStore() ?? fallback();
}
