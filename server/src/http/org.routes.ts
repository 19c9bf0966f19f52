// HTTP edge of organizations: creation, members and their roles,
// invitations (by address, mailed; or an open link for collaborators), work
// teams and default channels, the welcome template.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  DirectoryEntryBody,
  AcceptInvitationBody,
  ChangeTeamBody,
  CreateOrgBody,
  CreateTeamBody,
  DefaultChannelsBody,
  InviteBody,
  SetOrgRoleBody,
  WelcomeTemplateBody,
  type InvitationReply,
  IdSchema,
} from '@parley/protocol';
import type { RateSpec } from '../lib/limiter.ts';
import { maskEmail } from '../org/Orgs.ts';
import { sendError } from './errors.ts';
import { requireSession, sessionFirst, type SuiteRouteDeps } from './session.ts';
import { RateLimited } from '../lib/errors.ts';

const OrgParams = Type.Object({ orgId: IdSchema }, { additionalProperties: false });
const OrgMemberParams = Type.Object({ orgId: IdSchema, userId: IdSchema }, { additionalProperties: false });
const OrgTeamParams = Type.Object({ orgId: IdSchema, teamId: IdSchema }, { additionalProperties: false });
const OrgInvitationParams = Type.Object({ orgId: IdSchema, invitationId: IdSchema }, { additionalProperties: false });
const TokenParams = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false });

/** Invitation mails: 50 at once (a team invited in one go), then one every 30 s, per administrator... */
const INVITE_MAIL_PER_PERSON: RateSpec = { burst: 50, perSecond: 1 / 30 };
/** ...and per organization, whatever the number of its administrators. */
const INVITE_MAIL_PER_ORG: RateSpec = { burst: 100, perSecond: 1 / 30 };
/** One invitation resent at most every 5 minutes. */
const INVITE_RESEND: RateSpec = { burst: 1, perSecond: 1 / 300 };

export function registerOrgRoutes(parent: FastifyInstance, deps: SuiteRouteDeps): void {
  // Routes typed from their schemas: params, bodies and queries need no casts.
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, orgs } = deps;
  const auth = sessionFirst(accounts);

  app.post('/api/orgs', { onRequest: auth, schema: { body: CreateOrgBody } }, async (req, reply) => {
    const session = await requireSession(accounts, req);
    const org = await orgs.create(session.user.id, req.body.name);
    return reply.code(201).send({ org });
  });

  app.get('/api/orgs/:orgId/members', { onRequest: auth, schema: { params: OrgParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    return { members: await orgs.members(req.params.orgId, session.user.id) };
  });

  app.get('/api/orgs/:orgId/directory', { onRequest: auth, schema: { params: OrgParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    return { entries: await deps.directory.entries(session.user.id, req.params.orgId) };
  });
  app.put('/api/orgs/:orgId/directory/:userId', { onRequest: auth, schema: { params: OrgMemberParams, body: DirectoryEntryBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    await deps.directory.setHidden(session.user.id, req.params.orgId, req.params.userId, req.body.hidden);
    return { ok: true };
  });

  // The link shown to the administrator may use the address they came on; the mailed one never
  // takes a request's Host (whoever asks could otherwise mail people a link to their own site).
  const inviteLinks = { shown: (token: string) => `${deps.publicUrl()}/chat/invite/${token}`, mailed: (token: string) => `${deps.fixedUrl()}/chat/invite/${token}` };
  /** Mail sent on an administrator's word: bounded per person and per organization. */
  const mayMail = async (userId: string, orgId: string): Promise<void> => {
    const ok = (await deps.limiter.take(`invite-mail:${userId}`, INVITE_MAIL_PER_PERSON)) && (await deps.limiter.take(`invite-mail-org:${orgId}`, INVITE_MAIL_PER_ORG));
    if (!ok) throw new RateLimited('Too many invitations sent just now. Wait a few minutes, then try again.');
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
    if (!(await deps.limiter.take(`invite-resend:${orgId}:${invitationId}`, INVITE_RESEND))) throw new RateLimited('This invitation was sent a moment ago. Wait a few minutes before sending it again.');
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

  // ---- work teams and default channels (rules in org/Teams.ts) ----

  app.get('/api/orgs/:orgId/teams', { onRequest: auth, schema: { params: OrgParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    return { teams: await orgs.teams.list(session.user.id, req.params.orgId) };
  });

  app.post('/api/orgs/:orgId/teams', { onRequest: auth, schema: { params: OrgParams, body: CreateTeamBody } }, async (req, reply) => {
    const session = await requireSession(accounts, req);
    return reply.code(201).send({ team: await orgs.teams.create(session.user.id, req.params.orgId, req.body.name) });
  });

  app.patch('/api/orgs/:orgId/teams/:teamId', { onRequest: auth, schema: { params: OrgTeamParams, body: ChangeTeamBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    return { team: await orgs.teams.change(session.user.id, req.params.orgId, req.params.teamId, req.body) };
  });

  app.delete('/api/orgs/:orgId/teams/:teamId', { onRequest: auth, schema: { params: OrgTeamParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    await orgs.teams.delete(session.user.id, req.params.orgId, req.params.teamId);
    return { ok: true };
  });

  app.get('/api/orgs/:orgId/default-channels', { onRequest: auth, schema: { params: OrgParams } }, async (req) => {
    const session = await requireSession(accounts, req);
    return { channelIds: await orgs.teams.defaultChannels(session.user.id, req.params.orgId) };
  });

  app.put('/api/orgs/:orgId/default-channels', { onRequest: auth, schema: { params: OrgParams, body: DefaultChannelsBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    return { channelIds: await orgs.teams.setDefaultChannels(session.user.id, req.params.orgId, req.body.channelIds) };
  });

  app.put('/api/orgs/:orgId/welcome', { onRequest: auth, schema: { params: OrgParams, body: WelcomeTemplateBody } }, async (req) => {
    const session = await requireSession(accounts, req);
    const body = req.body;
    await orgs.setWelcomeTemplate(session.user.id, req.params.orgId, body.language, body.template);
    return { ok: true };
  });
}
