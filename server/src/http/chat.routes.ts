// HTTP edge of accounts, organizations and chat attachments. Chat itself
// (channels, messages) speaks over the /chat Socket.IO namespace; these are
// the request/response parts: sign-up, login, organization admin, uploads.
// Every route but sign-up, login and invitation peeking needs a session
// token as `Authorization: Bearer <token>`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  AcceptInvitationBody,
  ChangePasswordBody,
  CHAT_LIMITS,
  CreateOrgBody,
  DomainError,
  InviteBody,
  LoginBody,
  ProfileBody,
  ResetConfirmBody,
  ResetRequestBody,
  SetOrgRoleBody,
  SignupBody,
  WelcomeTemplateBody,
  type AuthReply,
  type InvitationReply,
} from '@parley/protocol';
import { meView, newId, type Accounts, type SessionUser } from '../accounts/Accounts.ts';
import type { Chat } from '../chat/Chat.ts';
import type { Drive } from '../drive/Drive.ts';
import { maskEmail, Orgs } from '../org/Orgs.ts';
import { sendError } from './errors.ts';
import { Readable } from 'node:stream';
import { checkDeclaredLength, limitStream } from '../lib/limit-stream.ts';
import type { Limiter, RateSpec } from '../lib/limiter.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

const IdParam = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const OrgParams = Type.Object({ orgId: IdParam }, { additionalProperties: false });
const OrgMemberParams = Type.Object({ orgId: IdParam, userId: IdParam }, { additionalProperties: false });
const OrgInvitationParams = Type.Object({ orgId: IdParam, invitationId: IdParam }, { additionalProperties: false });
const ChannelParams = Type.Object({ channelId: IdParam }, { additionalProperties: false });
const FileParams = Type.Object({ fileId: IdParam }, { additionalProperties: false });
const TokenParams = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false });
const UploadQuery = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export interface ChatRouteDeps {
  accounts: Accounts;
  orgs: Orgs;
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

/** Invitation mails: 50 at once (a team invited in one go), then one every 30 s, per administrator... */
const INVITE_MAIL_PER_PERSON: RateSpec = { burst: 50, perSecond: 1 / 30 };
/** ...and per organization, whatever the number of its administrators. */
const INVITE_MAIL_PER_ORG: RateSpec = { burst: 100, perSecond: 1 / 30 };
/** One invitation resent at most every 5 minutes. */
const INVITE_RESEND: RateSpec = { burst: 1, perSecond: 1 / 300 };

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
  if (!session) throw new DomainError('UNAUTHORIZED', 'sign in first (missing, expired or revoked session token)');
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

/** A stored file's name: no path, no control characters, bounded. */
const safeFileName = (name: string): string =>
  name
    .replace(/[\\/\x00-\x1f\x7f]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 120) || 'file';

export function registerChatRoutes(parent: FastifyInstance, deps: ChatRouteDeps): void {
  // Routes typed from their schemas: params, bodies and queries need no casts.
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, orgs, chat } = deps;
  const auth = sessionFirst(accounts);

  const authReply = async (token: string, user: Parameters<typeof meView>[0]): Promise<AuthReply> => ({ token, user: meView(user), orgs: await orgs.forUser(user.id) });

  app.post('/api/auth/signup', { schema: { body: SignupBody } }, async (req, reply) => {
    const body = req.body;
    if (body.orgName && body.invitation) throw new DomainError('INVALID_PAYLOAD', 'either create an organization or accept an invitation, not both');
    // A bad invitation fails before an account exists, and so does one for another address.
    if (body.invitation) {
      const inv = await orgs.peek(body.invitation);
      if (!inv) throw new DomainError('INVITATION_INVALID', 'This invitation link is unknown, expired or already used. Ask for a new one.');
      if (inv.email && inv.email !== body.email.trim().toLowerCase()) {
        throw new DomainError('FORBIDDEN', `This invitation is for ${maskEmail(inv.email)}: create the account with that address.`);
      }
    }
    // So is a name of nothing visible.
    if (body.orgName !== undefined) Orgs.orgName(body.orgName);
    const user = await accounts.signup(body, { address: req.ip });
    if (body.orgName) await orgs.create(user.id, body.orgName);
    if (body.invitation) await orgs.accept(user.id, body.invitation);
    const token = await accounts.createSession(user.id, String(req.headers['user-agent'] ?? ''));
    return reply.code(201).send(await authReply(token, user));
  });

  app.post('/api/auth/login', { schema: { body: LoginBody } }, async (req) => {
    const body = req.body;
    const { token, user } = await accounts.login(body.login, body.password, req.ip, String(req.headers['user-agent'] ?? ''));
    return authReply(token, user);
  });

  /** A reset link by e-mail; the same answer whether or not the address has an account. */
  app.post('/api/auth/reset', { schema: { body: ResetRequestBody } }, async (req) => {
    await accounts.requestReset(req.body.email, req.ip, (token) => `${deps.fixedUrl()}/chat/reset/${token}`);
    return { ok: true };
  });

  /** The new password from a reset link: every session of the account ends, and the person is signed in. */
  app.post('/api/auth/reset/confirm', { schema: { body: ResetConfirmBody } }, async (req) => {
    const body = req.body;
    const { token, user, ended } = await accounts.resetPassword(body.token, body.password, String(req.headers['user-agent'] ?? ''));
    deps.signedOut(ended, 'revoked');
    return authReply(token, user);
  });

  /** One's own password, changed; every other session ends. */
  app.post('/api/me/password', { onRequest: auth, schema: { body: ChangePasswordBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    const body = req.body;
    deps.signedOut(await accounts.changePassword(session.user, session.sessionId, body.current, body.password, req.ip), 'revoked');
    return { ok: true };
  });

  app.post('/api/auth/logout', { onRequest: auth }, async (req) => {
    const session = await requireSession(accounts, req);
    await accounts.revokeSession(session.sessionId);
    deps.signedOut([session.sessionId], 'logout');
    return { ok: true };
  });

  /** Signs out every device: all sessions of the user end now. */
  app.post('/api/auth/logout-all', { onRequest: auth }, async (req) => {
    const session = await requireSession(accounts, req);
    deps.signedOut(await accounts.revokeAll(session.user.id), 'revoked');
    return { ok: true };
  });

  app.get('/api/me', { onRequest: auth }, async (req) => {
    const session = await requireSession(accounts, req);
    return { user: meView(session.user), orgs: await orgs.forUser(session.user.id) };
  });

  app.patch('/api/me', { onRequest: auth, schema: { body: ProfileBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    const user = await accounts.updateProfile(session.user.id, req.body);
    return { user: meView(user) };
  });

  app.post('/api/orgs', { onRequest: auth, schema: { body: CreateOrgBody } }, async (req, reply) => {
    const session = await requireSession(accounts, req);
    const org = await orgs.create(session.user.id, req.body.name);
    return reply.code(201).send({ org });
  });

  app.get('/api/orgs/:orgId/members', { onRequest: auth, schema: { params: OrgParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    return { members: await orgs.members(req.params.orgId, session.user.id) };
  });

  // The link shown to the administrator may use the address they came on; the mailed one never
  // takes a request's Host (whoever asks could otherwise mail people a link to their own site).
  const inviteLinks = { shown: (token: string) => `${deps.publicUrl()}/chat/invite/${token}`, mailed: (token: string) => `${deps.fixedUrl()}/chat/invite/${token}` };
  /** Mail sent on an administrator's word: bounded per person and per organization. */
  const mayMail = async (userId: string, orgId: string): Promise<void> => {
    const ok = (await deps.limiter.take(`invite-mail:${userId}`, INVITE_MAIL_PER_PERSON)) && (await deps.limiter.take(`invite-mail-org:${orgId}`, INVITE_MAIL_PER_ORG));
    if (!ok) throw new DomainError('RATE_LIMITED', 'Too many invitations sent just now. Wait a few minutes, then try again.');
  };
  app.post('/api/orgs/:orgId/invitations', { onRequest: auth, schema: { params: OrgParams, body: InviteBody } }, async (req, reply) => {
    const session = await requireSession(accounts, req);
    const { orgId } = req.params;
    const body = req.body;
    // Only an administrator's tries count against the limits.
    if (body.email !== undefined) {
      await orgs.requireManager(session.user.id, orgId);
      await mayMail(session.user.id, orgId);
    }
    const out: InvitationReply = await orgs.invite(session.user.id, orgId, body, inviteLinks);
    return reply.code(201).send(out);
  });

  /** Pending invitations, for the people screen (administrators). */
  app.get('/api/orgs/:orgId/invitations', { onRequest: auth, schema: { params: OrgParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    return { invitations: await orgs.invitations(session.user.id, req.params.orgId) };
  });

  /** Mails an invitation again, with a new link (the earlier one stops working). */
  app.post('/api/orgs/:orgId/invitations/:invitationId/resend', { onRequest: auth, schema: { params: OrgInvitationParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    const { orgId, invitationId } = req.params;
    await orgs.requireManager(session.user.id, orgId);
    if (!(await deps.limiter.take(`invite-resend:${orgId}:${invitationId}`, INVITE_RESEND))) throw new DomainError('RATE_LIMITED', 'This invitation was sent a moment ago. Wait a few minutes before sending it again.');
    await mayMail(session.user.id, orgId);
    return orgs.resendInvitation(session.user.id, orgId, invitationId, inviteLinks);
  });

  app.delete('/api/orgs/:orgId/invitations/:invitationId', { onRequest: auth, schema: { params: OrgInvitationParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    const { orgId, invitationId } = req.params;
    await orgs.revokeInvitation(session.user.id, orgId, invitationId);
    return { ok: true };
  });

  /** What an invitation leads to (no login: the sign-up page shows it). */
  app.get('/api/invitations/:token', { schema: { params: TokenParams } }, async (req, reply) => {
    const info = await orgs.peek(req.params.token);
    if (!info) return sendError(reply, 'INVITATION_INVALID', 'This invitation link is unknown, expired or already used. Ask for a new one.');
    // The address is shown masked: a link found by someone else tells them little.
    return { ...info, email: info.email && maskEmail(info.email) };
  });

  app.post('/api/invitations/accept', { onRequest: auth, schema: { body: AcceptInvitationBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    return { org: await orgs.accept(session.user.id, req.body.token) };
  });

  app.patch('/api/orgs/:orgId/members/:userId', { onRequest: auth, schema: { params: OrgMemberParams, body: SetOrgRoleBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    const { orgId, userId } = req.params;
    await orgs.setRole(session.user.id, orgId, userId, req.body.role);
    return { ok: true };
  });

  app.delete('/api/orgs/:orgId/members/:userId', { onRequest: auth, schema: { params: OrgMemberParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    const { orgId, userId } = req.params;
    await orgs.remove(session.user.id, orgId, userId);
    return { ok: true };
  });

  app.put('/api/orgs/:orgId/welcome', { onRequest: auth, schema: { params: OrgParams, body: WelcomeTemplateBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    const body = req.body;
    await orgs.setWelcomeTemplate(session.user.id, req.params.orgId, body.language, body.template);
    return { ok: true };
  });

  // Attachments: the raw bytes as the body (any content type), stored in the
  // drive under the channel's folder, then named in a message's fileIds.
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    scope.removeAllContentTypeParsers();
    // The body stays a stream: checked for a session and the channel first, then written to the drive as it comes.
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post('/api/chat/channels/:channelId/files', { onRequest: auth, schema: { params: ChannelParams, querystring: UploadQuery } }, async (req, reply) => {
      const session = await requireSession(accounts, req);
      const { channelId } = req.params;
      const channel = await chat.channel(session.user.id, channelId);
      checkDeclaredLength(req.headers['content-length'], CHAT_LIMITS.fileBytes);
      // The content type parser above hands the request stream through untouched.
      const body: unknown = req.body;
      if (!(body instanceof Readable)) throw new DomainError('INVALID_PAYLOAD', 'send the file as the request body');
      const id = newId();
      const name = safeFileName(req.query.name);
      const mime = String(req.headers['content-type'] ?? 'application/octet-stream').slice(0, 100);
      // The drive key holds only ids and a plain extension: the name people gave stays in the database.
      const ext = /\.[A-Za-z0-9]{1,10}$/.exec(name)?.[0] ?? '';
      const key = `chat/${channel.orgId}/${channelId}/${id}${ext.toLowerCase()}`;
      const { stream, bytes } = limitStream(body, CHAT_LIMITS.fileBytes);
      await deps.drive.put(key, stream, { contentType: mime });
      const size = bytes();
      if (size === 0) {
        await deps.drive.delete(key);
        throw new DomainError('INVALID_PAYLOAD', 'send the file as the request body');
      }
      await chat.recordFile({ id, orgId: channel.orgId, channelId, uploaderId: session.user.id, name, size, mime, driveKey: key });
      return reply.code(201).send({ file: { id, name, size, mime } });
    });
  });

  /** A short-lived link to an attachment, for members of its channel only. */
  app.get('/api/chat/files/:fileId', { onRequest: auth, schema: { params: FileParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    const file = await chat.file(session.user.id, req.params.fileId);
    return { url: await deps.drive.shareUrl(file.driveKey, 600), name: file.name, size: file.size, mime: file.mime };
  });
}
