// HTTP edge of accounts: sign-up (with a new organization or an invitation),
// login, password change and reset, logout, one's own profile and app passwords.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  AppPasswordBody,
  ChangePasswordBody,
  IdSchema,
  LoginBody,
  ProfileBody,
  EmailBody,
  ResetConfirmBody,
  ResetRequestBody,
  SignupBody,
  type AuthReply,
} from '@parley/protocol';
import Type from 'typebox';
import { meView } from '../accounts/Accounts.ts';
import { maskEmail, Orgs } from '../org/Orgs.ts';
import { requireSession, sessionFirst, type SuiteRouteDeps } from './session.ts';
import { Forbidden, InvalidRequest } from '../lib/errors.ts';
import { InvitationInvalid } from '../org/errors.ts';

export function registerAccountRoutes(parent: FastifyInstance, deps: SuiteRouteDeps): void {
  // Routes typed from their schemas: params, bodies and queries need no casts.
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, orgs } = deps;
  const auth = sessionFirst(accounts);

  const authReply = async (token: string, user: Parameters<typeof meView>[0]): Promise<AuthReply> => ({ token, user: meView(user), orgs: await orgs.forUser(user.id) });

  app.post('/api/auth/signup', { schema: { body: SignupBody } }, async (req, reply) => {
    const body = req.body;
    if (body.orgName && body.invitation) throw new InvalidRequest('either create an organization or accept an invitation, not both');
    // A bad invitation fails before an account exists, and so does one for another address.
    if (body.invitation) {
      const inv = await orgs.peek(body.invitation);
      if (!inv) throw new InvitationInvalid('This invitation link is unknown, expired or already used. Ask for a new one.');
      if (inv.email && inv.email !== body.email.trim().toLowerCase()) {
        throw new Forbidden(`This invitation is for ${maskEmail(inv.email)}: create the account with that address.`);
      }
    }
    // So is a name of nothing visible.
    if (body.orgName !== undefined) Orgs.orgName(body.orgName);
    const { orgName, invitation, ...person } = body;
    const prepared = await accounts.prepareSignup(person, { address: req.ip });
    // The account, its organization or invitation, and its session: all or nothing.
    const { user, token } = await orgs.signUp(accounts, prepared, { ...(orgName ? { orgName } : {}), ...(invitation ? { invitation } : {}) }, String(req.headers['user-agent'] ?? ''));
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

  // App passwords: a device's own password for CalDAV and CardDAV, shown once.
  const AppPasswordParams = Type.Object({ appPasswordId: IdSchema }, { additionalProperties: false });
  app.get('/api/me/app-passwords', { onRequest: auth }, async (req) => {
    const session = await requireSession(accounts, req);
    return { appPasswords: await accounts.appPasswords(session.user.id) };
  });
  app.post('/api/me/app-passwords', { onRequest: auth, schema: { body: AppPasswordBody } }, async (req, reply) => {
    const session = await requireSession(accounts, req);
    return reply.code(201).send(await accounts.createAppPassword(session.user, req.body.name, req.body.password, req.ip));
  });
  app.delete('/api/me/app-passwords/:appPasswordId', { onRequest: auth, schema: { params: AppPasswordParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    await accounts.revokeAppPassword(session.user.id, req.params.appPasswordId);
    return { ok: true };
  });

  app.put('/api/me/email', { onRequest: auth, schema: { body: EmailBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    return { user: meView(await accounts.changeEmail(session.user, req.body.email, req.body.password, req.ip)) };
  });

  app.patch('/api/me', { onRequest: auth, schema: { body: ProfileBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    const user = await accounts.updateProfile(session.user.id, req.body);
    if (req.body.name !== undefined) deps.chat.messages.renamed(user.id);
    return { user: meView(user) };
  });
}
