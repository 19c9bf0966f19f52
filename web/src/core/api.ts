import type { Ack, AppPasswordView, AuthReply, CreateMeetingReply, ErrorBody, InvitationReply, InvitationView, InviteBody, JoinMeetingReply, LiveStatusReply, MeetingInfoReply, MeView, NewAppPasswordReply, NewModeratorTokenReply, OrgMemberView, OrgView, Language, RecordingInfo, SignupBody } from '@parley/protocol';

export class ApiError extends Error {
  readonly code: ErrorBody['code'];
  constructor(body: ErrorBody) {
    super(body.message);
    this.code = body.code;
  }
}

/** A JSON request; a Blob (a file, a picture) is sent as it is, with its own type. */
export async function call<T>(method: string, url: string, body?: unknown, token?: string): Promise<T> {
  const file = body instanceof Blob;
  const type = body === undefined ? undefined : file ? body.type || 'application/octet-stream' : 'application/json';
  const res = await fetch(url, {
    method,
    headers: { ...(type ? { 'content-type': type } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : file ? body : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => undefined)) as (Ack & T) | undefined;
  if (!res.ok) {
    const error = data && 'error' in data && data.error ? data.error : { code: 'INTERNAL' as const, message: `HTTP ${res.status}` };
    throw new ApiError(error);
  }
  return data as T;
}

export const api = {
  createMeeting: (title?: string, opts: { waitingRoom?: boolean; password?: string } = {}) =>
    call<CreateMeetingReply>('POST', '/api/meetings', { ...(title ? { title } : {}), ...(opts.waitingRoom ? { waitingRoom: true } : {}), ...(opts.password ? { password: opts.password } : {}) }),

  meeting: (id: string) => call<MeetingInfoReply>('GET', `/api/meetings/${encodeURIComponent(id)}`),
  /** `session`: the signed-in account's token: the meeting's organizer (or a co-moderator) joins as moderator by it. */
  join: (id: string, name: string, moderatorToken?: string, session?: string | null) =>
    call<JoinMeetingReply>('POST', `/api/meetings/${encodeURIComponent(id)}/join`, { name, ...(moderatorToken ? { moderatorToken } : {}) }, session ?? undefined),
  newModeratorToken: (id: string, token: string) => call<NewModeratorTokenReply>('POST', `/api/meetings/${encodeURIComponent(id)}/moderator-token`, undefined, token),
  recordings: (id: string, token: string) =>
    call<{ recordings: RecordingInfo[] }>('GET', `/api/meetings/${encodeURIComponent(id)}/recordings`, undefined, token),

  live: (id: string, viewer?: string) => call<LiveStatusReply>('GET', `/api/live/${encodeURIComponent(id)}${viewer ? `?viewer=${encodeURIComponent(viewer)}` : ''}`),
  signup: (body: SignupBody) => call<AuthReply>('POST', '/api/auth/signup', body),
  login: (login: string, password: string) => call<AuthReply>('POST', '/api/auth/login', { login, password }),
  requestReset: (email: string) => call<{ ok: true }>('POST', '/api/auth/reset', { email }),
  confirmReset: (token: string, password: string) => call<AuthReply>('POST', '/api/auth/reset/confirm', { token, password }),
  changePassword: (current: string, password: string, token: string) => call<{ ok: true }>('POST', '/api/me/password', { current, password }, token),
  appPasswords: (token: string) => call<{ appPasswords: AppPasswordView[] }>('GET', '/api/me/app-passwords', undefined, token),
  createAppPassword: (name: string, password: string, token: string) => call<NewAppPasswordReply>('POST', '/api/me/app-passwords', { name, password }, token),
  revokeAppPassword: (id: string, token: string) => call<{ ok: true }>('DELETE', `/api/me/app-passwords/${encodeURIComponent(id)}`, undefined, token),
  logout: (token: string) => call<{ ok: true }>('POST', '/api/auth/logout', undefined, token),
  updateProfile: (body: { name?: string; language?: Language }, token: string) => call<{ user: MeView }>('PATCH', '/api/me', body, token),
  me: (token: string) => call<{ user: MeView; orgs: OrgView[] }>('GET', '/api/me', undefined, token),
  invitation: (token: string) => call<{ orgName: string; role: string; email: string | null }>('GET', `/api/invitations/${encodeURIComponent(token)}`),
  acceptInvitation: (invitation: string, token: string) => call<{ org: OrgView }>('POST', '/api/invitations/accept', { token: invitation }, token),
  invite: (orgId: string, body: InviteBody, token: string) => call<InvitationReply>('POST', `/api/orgs/${encodeURIComponent(orgId)}/invitations`, body, token),
  invitations: (orgId: string, token: string) => call<{ invitations: InvitationView[] }>('GET', `/api/orgs/${encodeURIComponent(orgId)}/invitations`, undefined, token),
  resendInvitation: (orgId: string, id: string, token: string) =>
    call<InvitationReply>('POST', `/api/orgs/${encodeURIComponent(orgId)}/invitations/${encodeURIComponent(id)}/resend`, undefined, token),
  revokeInvitation: (orgId: string, id: string, token: string) =>
    call<{ ok: true }>('DELETE', `/api/orgs/${encodeURIComponent(orgId)}/invitations/${encodeURIComponent(id)}`, undefined, token),
  orgMembers: (orgId: string, token: string) => call<{ members: OrgMemberView[] }>('GET', `/api/orgs/${encodeURIComponent(orgId)}/members`, undefined, token),
  setOrgRole: (orgId: string, userId: string, role: string, token: string) =>
    call<{ ok: true }>('PATCH', `/api/orgs/${encodeURIComponent(orgId)}/members/${encodeURIComponent(userId)}`, { role }, token),
  removeMember: (orgId: string, userId: string, token: string) =>
    call<{ ok: true }>('DELETE', `/api/orgs/${encodeURIComponent(orgId)}/members/${encodeURIComponent(userId)}`, undefined, token),
  fileLink: (fileId: string, token: string) => call<{ url: string; name: string }>('GET', `/api/chat/files/${encodeURIComponent(fileId)}`, undefined, token),
  /** Uploads one attachment (raw body); returns its id for message:send's fileIds. */
  async upload(channelId: string, file: File, token: string): Promise<{ id: string; name: string; size: number; mime: string }> {
    const res = await fetch(`/api/chat/channels/${encodeURIComponent(channelId)}/files?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': file.type || 'application/octet-stream' },
      body: file,
    });
    const data = (await res.json().catch(() => undefined)) as { file?: { id: string; name: string; size: number; mime: string }; error?: ErrorBody } | undefined;
    if (!res.ok || !data?.file) throw new ApiError(data?.error ?? { code: 'INTERNAL', message: `HTTP ${res.status}` });
    return data.file;
  },
};
