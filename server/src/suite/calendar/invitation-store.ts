// Event invitations' SQL, and nothing else: who was invited to an event,
// their answer, and the hashed token of their answer link. The rules are in
// invitations.ts.
import { SqlStore, type Sql } from '../../store/db.ts';
import type { AttendeeStatus } from '@parley/protocol';

export interface InvitationRow {
  event_id: string;
  email: string;
  status: AttendeeStatus;
  invited_at: number;
  responded_at: number | null;
}

export class InvitationStore extends SqlStore<InvitationStore> {
  protected on(sql: Sql): InvitationStore {
    return new InvitationStore(this.db, sql);
  }

  async of(eventId: string): Promise<InvitationRow[]> {
    return this.sql.query<InvitationRow>('select event_id, email, status, invited_at::float8 as invited_at, responded_at::float8 as responded_at from event_invitations where event_id = $1 order by email', [eventId]);
  }

  /** A new invitation; false when this address was invited already. */
  async add(eventId: string, email: string, tokenHash: string, at: number): Promise<boolean> {
    const rows = await this.sql.query('insert into event_invitations (event_id, email, token_hash, invited_at) values ($1, $2, $3, $4) on conflict (event_id, email) do nothing returning 1', [eventId, email, tokenHash, at]);
    return rows.length > 0;
  }

  /** Gives an invitation a new token (its mail is sent again with a new link). */
  async renew(eventId: string, email: string, tokenHash: string): Promise<void> {
    await this.sql.query('update event_invitations set token_hash = $3 where event_id = $1 and email = $2', [eventId, email, tokenHash]);
  }

  /** The events of a calendar that invited someone. */
  async invitedEventsOf(calendarId: string): Promise<string[]> {
    const rows = await this.sql.query<{ event_id: string }>('select distinct i.event_id from event_invitations i join events e on e.id = i.event_id where e.calendar_id = $1 order by i.event_id', [calendarId]);
    return rows.map((r) => r.event_id);
  }

  /** Forgets the invitations of addresses no longer among the attendees; returns those addresses. */
  async keepOnly(eventId: string, emails: string[]): Promise<string[]> {
    const rows = await this.sql.query<{ email: string }>('delete from event_invitations where event_id = $1 and not (email = any($2)) returning email', [eventId, emails]);
    return rows.map((r) => r.email).sort();
  }

  async byToken(tokenHash: string): Promise<InvitationRow | undefined> {
    const [row] = await this.sql.query<InvitationRow>(
      'select event_id, email, status, invited_at::float8 as invited_at, responded_at::float8 as responded_at from event_invitations where token_hash = $1',
      [tokenHash],
    );
    return row;
  }

  /** Sets an answer; false when that address is not invited to that event. */
  async answer(eventId: string, email: string, status: AttendeeStatus, at: number): Promise<boolean> {
    const rows = await this.sql.query('update event_invitations set status = $3, responded_at = $4 where event_id = $1 and email = $2 returning 1', [eventId, email, status, at]);
    return rows.length > 0;
  }
}
