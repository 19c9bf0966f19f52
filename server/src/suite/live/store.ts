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

  /** Of `userIds`, who sees which of address books `bookIds`: owners, and those each is shared with. */
  async bookAudiences(bookIds: string[], userIds: string[]): Promise<{ id: string; user_id: string }[]> {
    return this.sql.query<{ id: string; user_id: string }>(
      `select id, owner_id as user_id from address_books where id = any($1) and owner_id = any($2)
       union
       select book_id, user_id from address_book_shares where book_id = any($1) and user_id = any($2)`,
      [bookIds, userIds],
    );
  }

  /** Of `userIds`, who sees which of calendars `calendarIds`. */
  async calendarAudiences(calendarIds: string[], userIds: string[]): Promise<{ id: string; user_id: string }[]> {
    return this.sql.query<{ id: string; user_id: string }>(
      `select id, owner_id as user_id from calendars where id = any($1) and owner_id = any($2)
       union
       select calendar_id, user_id from calendar_shares where calendar_id = any($1) and user_id = any($2)
       union
       select c.id, m.user_id from calendars c join org_members m on m.org_id = c.org_id
        where c.id = any($1) and c.room_id is not null and m.role <> 'external' and m.user_id = any($2)`,
      [calendarIds, userIds],
    );
  }
}
