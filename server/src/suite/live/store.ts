// Live changes' SQL (migrations 020, 021): the database's notifications, who
// sees an address book (its owner, those it is shared with), and who sees a
// calendar: its owner, those it is shared with, and, for a room's
// calendar, the organization's members (guests see no rooms). Asked only
// about people with a page listening on this node.
import { SqlStore, type Sql } from '../../store/db.ts';

/** The channel migration 020's triggers notify. */
const CHANNEL = 'parley_changes';

export class ChangeStore extends SqlStore<ChangeStore> {
  protected on(sql: Sql): ChangeStore {
    return new ChangeStore(this.db, sql);
  }

  /** Each change's note ('kind:id:user'); `onGap` when some may have been missed. */
  listen(onPayload: (payload: string) => void, onGap: () => void): Promise<() => Promise<void>> {
    return this.db.listen(CHANNEL, onPayload, onGap);
  }

  /** Of `userIds`, those who see address book `bookId`: its owner, and those it is shared with. */
  async bookAudience(bookId: string, userIds: string[]): Promise<string[]> {
    const rows = await this.sql.query<{ user_id: string }>(
      `select owner_id as user_id from address_books where id = $1 and owner_id = any($2)
       union
       select user_id from address_book_shares where book_id = $1 and user_id = any($2)`,
      [bookId, userIds],
    );
    return rows.map((r) => r.user_id);
  }

  /** Of `userIds`, those who see calendar `calendarId`. */
  async calendarAudience(calendarId: string, userIds: string[]): Promise<string[]> {
    const rows = await this.sql.query<{ user_id: string }>(
      `select owner_id as user_id from calendars where id = $1 and owner_id = any($2)
       union
       select user_id from calendar_shares where calendar_id = $1 and user_id = any($2)
       union
       select m.user_id from calendars c join org_members m on m.org_id = c.org_id
        where c.id = $1 and c.room_id is not null and m.role <> 'external' and m.user_id = any($2)`,
      [calendarId, userIds],
    );
    return rows.map((r) => r.user_id);
  }
}
