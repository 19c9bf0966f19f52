// Work teams' SQL, and the default channels' flag, and nothing else. The
// rules are in Teams.ts.
import { SqlStore, type Sql } from '../store/db.ts';

export interface TeamRow {
  id: string;
  org_id: string;
  name: string;
  created_at: number;
}

/** Work teams' tables on one database, or inside one of its transactions (chat's, when channels change too). */
export class TeamStore extends SqlStore<TeamStore> {
  protected on(sql: Sql): TeamStore {
    return new TeamStore(this.db, sql);
  }

  async teams(orgId: string): Promise<(TeamRow & { member_ids: string[]; channel_ids: string[] })[]> {
    // Ids in a stable order (the page lists them by name; tests compare them).
    return this.sql.query(
      `select t.*,
         coalesce((select json_agg(m.user_id order by m.user_id) from team_members m where m.team_id = t.id), '[]') as member_ids,
         coalesce((select json_agg(c.channel_id order by c.channel_id) from team_channels c where c.team_id = t.id), '[]') as channel_ids
       from teams t where t.org_id = $1 order by lower(t.name), t.id`,
      [orgId],
    );
  }

  async team(orgId: string, teamId: string): Promise<TeamRow | undefined> {
    const [row] = await this.sql.query<TeamRow>('select * from teams where id = $1 and org_id = $2', [teamId, orgId]);
    return row;
  }

  /** Which organization a team is in (a channel invite names the team only). */
  async teamAnywhere(teamId: string): Promise<TeamRow | undefined> {
    const [row] = await this.sql.query<TeamRow>('select * from teams where id = $1', [teamId]);
    return row;
  }

  async nameTaken(orgId: string, name: string, except: string | null): Promise<boolean> {
    const rows = await this.sql.query('select 1 from teams where org_id = $1 and lower(name) = lower($2) and id is distinct from $3', [orgId, name, except]);
    return rows.length > 0;
  }

  async count(orgId: string): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>('select count(*)::int as n from teams where org_id = $1', [orgId]);
    return row!.n;
  }

  async insert(t: { id: string; orgId: string; name: string; at: number }): Promise<void> {
    await this.sql.query('insert into teams (id, org_id, name, created_at) values ($1, $2, $3, $4)', [t.id, t.orgId, t.name, t.at]);
  }

  async rename(teamId: string, name: string): Promise<void> {
    await this.sql.query('update teams set name = $2 where id = $1', [teamId, name]);
  }

  async delete(teamId: string): Promise<void> {
    await this.sql.query('delete from teams where id = $1', [teamId]);
  }

  async memberIds(teamId: string): Promise<string[]> {
    const rows = await this.sql.query<{ user_id: string }>('select user_id from team_members where team_id = $1 order by user_id', [teamId]);
    return rows.map((r) => r.user_id);
  }

  async channelIds(teamId: string): Promise<string[]> {
    const rows = await this.sql.query<{ channel_id: string }>('select channel_id from team_channels where team_id = $1 order by channel_id', [teamId]);
    return rows.map((r) => r.channel_id);
  }

  /** Adds these people; returns those who were not in it yet. */
  async addMembers(teamId: string, userIds: string[]): Promise<string[]> {
    const rows = await this.sql.query<{ user_id: string }>(
      'insert into team_members (team_id, user_id) select $1, u from unnest($2::text[]) as u on conflict do nothing returning user_id',
      [teamId, userIds],
    );
    return rows.map((r) => r.user_id);
  }

  async removeMembers(teamId: string, userIds: string[]): Promise<void> {
    await this.sql.query('delete from team_members where team_id = $1 and user_id = any($2)', [teamId, userIds]);
  }

  /** Adds these channels; returns those that were not the team's yet. */
  async addChannels(teamId: string, channelIds: string[]): Promise<string[]> {
    const rows = await this.sql.query<{ channel_id: string }>(
      'insert into team_channels (team_id, channel_id) select $1, c from unnest($2::text[]) as c on conflict do nothing returning channel_id',
      [teamId, channelIds],
    );
    return rows.map((r) => r.channel_id);
  }

  async removeChannels(teamId: string, channelIds: string[]): Promise<void> {
    await this.sql.query('delete from team_channels where team_id = $1 and channel_id = any($2)', [teamId, channelIds]);
  }

  /** Out of every team of the organization (they left it, or became a guest). */
  async leaveAll(orgId: string, userId: string): Promise<void> {
    await this.sql.query('delete from team_members where user_id = $2 and team_id in (select id from teams where org_id = $1)', [orgId, userId]);
  }

  /** Which of `teamIds` are teams of the organization. */
  async teamsAmong(orgId: string, teamIds: string[]): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>('select id from teams where org_id = $1 and id = any($2)', [orgId, teamIds]);
    return rows.map((r) => r.id);
  }

  // ---- default channels ----

  async defaultChannels(orgId: string): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(`select id from channels where org_id = $1 and kind = 'public' and auto_join order by lower(name), id`, [orgId]);
    return rows.map((r) => r.id);
  }

  /** Exactly these public channels become the defaults. */
  async setDefaultChannels(orgId: string, channelIds: string[]): Promise<void> {
    await this.sql.query(`update channels set auto_join = (id = any($2)) where org_id = $1 and kind = 'public' and auto_join <> (id = any($2))`, [orgId, channelIds]);
  }

  /** Which of `channelIds` are private channels of the organization that `userId` is not in. */
  async privateChannelsWithout(orgId: string, channelIds: string[], userId: string): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `select c.id from channels c where c.org_id = $1 and c.id = any($2) and c.kind = 'private'
          and not exists (select 1 from channel_members m where m.channel_id = c.id and m.user_id = $3)`,
      [orgId, channelIds, userId],
    );
    return rows.map((r) => r.id);
  }

  /** Which of `channelIds` are public channels of the organization. */
  async publicChannelsAmong(orgId: string, channelIds: string[]): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(`select id from channels where org_id = $1 and kind = 'public' and id = any($2)`, [orgId, channelIds]);
    return rows.map((r) => r.id);
  }
}
