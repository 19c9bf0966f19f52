// Work teams and default channels: what a member of an organization joins.
// A team is a named group of members with the channels it works in (kSuite's
// "work teams"); default channels are the public channels every new member
// joins on arrival (Mattermost's). Administrators manage both; members see
// the teams, so they can add a whole team to a channel.
import Type from 'typebox';
import { IdSchema } from './ids.ts';

export const TEAM_LIMITS = {
  /** Teams per organization. */
  teams: 200,
  /** People per team. */
  members: 1000,
  /** Channels per team. */
  channels: 50,
  /** Ids one change may add or remove (of each kind). */
  perChange: 100,
  /** Default channels per organization. */
  defaultChannels: 20,
} as const;

const Id = IdSchema;
const strict = { additionalProperties: false } as const;
const TeamName = Type.String({ minLength: 1, maxLength: 64 });
const Ids = (max: number) => Type.Optional(Type.Array(Id, { maxItems: max }));

/** POST /api/orgs/:orgId/teams */
export const CreateTeamBody = Type.Object({ name: TeamName }, strict);
/** PATCH /api/orgs/:orgId/teams/:teamId: a new name, people and channels in or out, in one change. */
export const ChangeTeamBody = Type.Object(
  {
    name: Type.Optional(TeamName),
    addMembers: Ids(TEAM_LIMITS.perChange),
    removeMembers: Ids(TEAM_LIMITS.perChange),
    addChannels: Ids(TEAM_LIMITS.channels),
    removeChannels: Ids(TEAM_LIMITS.channels),
  },
  { ...strict, minProperties: 1 },
);
/** PUT /api/orgs/:orgId/default-channels: the whole list (public channels only). */
export const DefaultChannelsBody = Type.Object({ channelIds: Type.Array(Id, { maxItems: TEAM_LIMITS.defaultChannels }) }, strict);

export type CreateTeamBody = Type.Static<typeof CreateTeamBody>;
export type ChangeTeamBody = Type.Static<typeof ChangeTeamBody>;
export type DefaultChannelsBody = Type.Static<typeof DefaultChannelsBody>;

export interface TeamView {
  id: string;
  name: string;
  memberIds: string[];
  /** The team's channels: its members join them (a reader outside a private one gets its id, never its name). */
  channelIds: string[];
}
