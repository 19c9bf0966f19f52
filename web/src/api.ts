import type { Ack, CreateMeetingReply, ErrorBody, JoinMeetingReply, LiveStatusReply, MeetingInfoReply, RecordingInfo } from '@parley/protocol';

export class ApiError extends Error {
  readonly code: ErrorBody['code'];
  constructor(body: ErrorBody) {
    super(body.message);
    this.code = body.code;
  }
}

async function call<T>(method: string, url: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => undefined)) as (Ack & T) | undefined;
  if (!res.ok) {
    const error = data && 'error' in data && data.error ? data.error : { code: 'INTERNAL' as const, message: `HTTP ${res.status}` };
    throw new ApiError(error);
  }
  return data as T;
}

export const api = {
  createMeeting: (title?: string, opts: { waitingRoom?: boolean } = {}) =>
    call<CreateMeetingReply>('POST', '/api/meetings', { ...(title ? { title } : {}), ...(opts.waitingRoom ? { waitingRoom: true } : {}) }),
  meeting: (id: string) => call<MeetingInfoReply>('GET', `/api/meetings/${encodeURIComponent(id)}`),
  join: (id: string, name: string, moderatorToken?: string) =>
    call<JoinMeetingReply>('POST', `/api/meetings/${encodeURIComponent(id)}/join`, { name, ...(moderatorToken ? { moderatorToken } : {}) }),
  recordings: (id: string, token: string) =>
    call<{ recordings: RecordingInfo[] }>('GET', `/api/meetings/${encodeURIComponent(id)}/recordings`, undefined, token),
  live: (id: string) => call<LiveStatusReply>('GET', `/api/live/${encodeURIComponent(id)}`),
};
