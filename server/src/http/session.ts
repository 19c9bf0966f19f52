// The session of an HTTP request: a Bearer session token, checked before
// the body is read. Every route of the suite but sign-up, login and
// invitation peeking needs one.
import type { FastifyRequest } from 'fastify';
import type { Directory } from '../org/Directory.ts';
import type { Accounts, SessionUser } from '../accounts/Accounts.ts';
import type { Chat } from '../chat/Chat.ts';
import type { Drive } from '@parley/platform';
import type { Limiter } from '../lib/limiter.ts';
import type { Orgs } from '../org/Orgs.ts';
import { Unauthorized } from '../lib/errors.ts';

/** What the account, organization and chat routes are given. */
export interface SuiteRouteDeps {
  accounts: Accounts;
  orgs: Orgs;
  /** The organizations' directories. */
  directory: Directory;
  chat: Chat;
  drive: Drive;
  /** Base of links made for this request (PUBLIC_URL, or the address the request came on). */
  publicUrl: () => string;
  /** Base of links mailed on anyone's request (a reset): PUBLIC_URL or the listening address, never a request's Host. */
  fixedUrl: () => string;
  /** Ends the sockets of these sessions (logout) or of a user in an organization (removal). */
  signedOut: (sessionIds: string[], reason: 'logout' | 'revoked') => void;
  limiter: Limiter;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session, once `sessionFirst` has checked it. */
    parleySession?: SessionUser;
  }
}

/** The session of a request's Bearer token, or UNAUTHORIZED. */
export async function requireSession(accounts: Accounts, req: FastifyRequest): Promise<SessionUser> {
  if (req.parleySession) return req.parleySession;
  const auth = req.headers.authorization;
  const session = await accounts.authenticate(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined);
  if (!session) throw new Unauthorized('sign in first (missing, expired or revoked session token)');
  req.parleySession = session;
  return session;
}

/**
 * An `onRequest` hook: the session is checked before the body is read, so
 * nobody without one gets a byte of a body parsed, buffered or stored.
 */
export const sessionFirst = (accounts: Accounts) => async (req: FastifyRequest): Promise<void> => {
  await requireSession(accounts, req);
};
