// Work teams and default channels over HTTP: the chat page's alone (the
// shared api object is in every page, the live viewer's too, and stays small).
import type { ChangeTeamBody, TeamView } from '@parley/protocol';
import { call } from '../core/api.ts';

export const teamsApi = {
  teams: (orgId: string, token: string) => call<{ teams: TeamView[] }>('GET', `/api/orgs/${encodeURIComponent(orgId)}/teams`, undefined, token),
  createTeam: (orgId: string, name: string, token: string) => call<{ team: TeamView }>('POST', `/api/orgs/${encodeURIComponent(orgId)}/teams`, { name }, token),
  changeTeam: (orgId: string, teamId: string, body: ChangeTeamBody, token: string) =>
    call<{ team: TeamView }>('PATCH', `/api/orgs/${encodeURIComponent(orgId)}/teams/${encodeURIComponent(teamId)}`, body, token),
  deleteTeam: (orgId: string, teamId: string, token: string) => call<{ ok: true }>('DELETE', `/api/orgs/${encodeURIComponent(orgId)}/teams/${encodeURIComponent(teamId)}`, undefined, token),
  defaultChannels: (orgId: string, token: string) => call<{ channelIds: string[] }>('GET', `/api/orgs/${encodeURIComponent(orgId)}/default-channels`, undefined, token),
  setDefaultChannels: (orgId: string, channelIds: string[], token: string) =>
    call<{ channelIds: string[] }>('PUT', `/api/orgs/${encodeURIComponent(orgId)}/default-channels`, { channelIds }, token),
};
