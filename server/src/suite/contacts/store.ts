// Contacts' SQL, and nothing else: address books and their cards. The rules
// (who may see what, what a card holds) are in Contacts.ts.
import type { ContactCard } from '@parley/protocol';
import { SqlStore, type Sql } from '../../store/db.ts';

export interface BookRow {
  id: string;
  owner_id: string;
  name: string;
  last_seq: number;
  purged_seq: number;
  created_at: number;
  count: number;
  /** What the reader may do with it: their own, or shared with them. */
  access: BookAccess;
  /** The owner's name (shown beside a book shared with the reader). */
  owner_name: string;
}
export type BookAccess = 'owner' | 'read' | 'write';

/** A vCard property as jCard (RFC 7095): name, parameters, value type, values. */
export type JCardProperty = [string, Record<string, string | string[]>, string, ...unknown[]];

export interface ContactRow {
  id: string;
  book_id: string;
  uid: string;
  /** Its name in the book over CardDAV. */
  href: string;
  card: ContactCard;
  /** The vCard properties kept as a device wrote them. */
  extra: JCardProperty[];
  display_name: string;
  etag: string;
  seq: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

/**
 * Books as reader $1 sees them: their own and those shared with them (the
 * share's access), each with its live cards' number and its owner's name.
 */
const BOOK_SELECT = `select b.id, b.owner_id, b.name, b.last_seq, b.purged_seq, b.created_at,
  (select count(*)::int from contacts c where c.book_id = b.id and c.deleted_at is null) as count,
  case when b.owner_id = $1 then 'owner' else s.access end as access, u.name as owner_name
  from address_books b join users u on u.id = b.owner_id left join address_book_shares s on s.book_id = b.id and s.user_id = $1`;
/** Whether users `a` and `b` (SQL expressions) are members, not guests nor bots, of one organization. */
const COLLEAGUES = (a: string, b: string) =>
  `exists (select 1 from org_members ma join org_members mb on mb.org_id = ma.org_id
    where ma.user_id = ${a} and mb.user_id = ${b} and ma.role not in ('external', 'bot') and mb.role not in ('external', 'bot'))`;
/** Book `b` may be read by user $N (theirs, or shared with them). */
const readable = (n: number) => `(b.owner_id = $${n} or exists (select 1 from address_book_shares s where s.book_id = b.id and s.user_id = $${n}))`;
/** Book `b` may be written by user $N (theirs, or shared with them to write). */
const writable = (n: number) => `(b.owner_id = $${n} or exists (select 1 from address_book_shares s where s.book_id = b.id and s.user_id = $${n} and s.access = 'write'))`;
const CONTACT_COLUMNS = 'c.id, c.book_id, c.uid, c.href, c.card, c.extra, c.display_name, c.etag, c.seq, c.created_at, c.updated_at, c.deleted_at';
/**
 * The columns for lists of cards shown as views (ContactView), never written
 * back nor sent to devices: a picture's value is cut to its first 64
 * characters, which say whether it is one Parley shows (cards.ts). A list of
 * 2,000 cards with pictures of 50 KB would otherwise read 100 MB to answer.
 */
const VIEW_COLUMNS = CONTACT_COLUMNS.replace(
  'c.extra',
  `(select coalesce(jsonb_agg(case when e.p->>0 = 'photo' and jsonb_typeof(e.p->3) = 'string' then jsonb_set(e.p, '{3}', to_jsonb(left(e.p->>3, 64))) else e.p end order by e.i), '[]'::jsonb)
     from jsonb_array_elements(c.extra) with ordinality as e(p, i)) as extra`,
);

export class ContactStore extends SqlStore<ContactStore> {
  protected on(sql: Sql): ContactStore {
    return new ContactStore(this.db, sql);
  }

  /** The reader's books: their own first (oldest first), then those shared with them. */
  async books(userId: string): Promise<BookRow[]> {
    return this.sql.query<BookRow>(`${BOOK_SELECT} where b.owner_id = $1 or s.user_id is not null order by b.owner_id <> $1, b.created_at, b.id`, [userId]);
  }

  /** A book the reader may read. */
  async book(id: string, userId: string): Promise<BookRow | undefined> {
    const [row] = await this.sql.query<BookRow>(`${BOOK_SELECT} where b.id = $2 and (b.owner_id = $1 or s.user_id is not null)`, [userId, id]);
    return row;
  }

  /** The book's name and the reader's access, if they may read it (no count of its cards: a check before each read). */
  async readableBook(id: string, userId: string): Promise<{ name: string; access: BookAccess } | undefined> {
    const [row] = await this.sql.query<{ name: string; access: BookAccess }>(
      `select b.name, case when b.owner_id = $2 then 'owner' else s.access end as access
         from address_books b left join address_book_shares s on s.book_id = b.id and s.user_id = $2
        where b.id = $1 and (b.owner_id = $2 or s.user_id is not null)`,
      [id, userId],
    );
    return row;
  }

  /** Who the book is shared with, by name. */
  async shares(bookId: string): Promise<{ user_id: string; name: string; username: string; access: 'read' | 'write' }[]> {
    return this.sql.query(
      `select s.user_id, u.name, u.username, s.access from address_book_shares s join users u on u.id = s.user_id where s.book_id = $1 order by lower(u.name), u.id`,
      [bookId],
    );
  }

  /**
   * Shares the book with `userId` if they are a colleague of its owner (checked
   * in the same statement, so a colleague leaving at that moment is not given
   * it), or stops sharing ('none'). Answers whether it was done.
   */
  async setShare(bookId: string, userId: string, access: 'read' | 'write' | 'none'): Promise<boolean> {
    if (access === 'none') {
      await this.sql.query('delete from address_book_shares where book_id = $1 and user_id = $2', [bookId, userId]);
      return true;
    }
    const done = await this.sql.query(
      `insert into address_book_shares (book_id, user_id, access)
       select b.id, $2, $3 from address_books b where b.id = $1 and ${COLLEAGUES('b.owner_id', '$2')}
       on conflict (book_id, user_id) do update set access = excluded.access
       returning 1`,
      [bookId, userId, access],
    );
    return done.length > 0;
  }

  /** Ends the shares to or from `userId` between people who are no longer colleagues (one left an organization, or became a guest there). */
  async pruneShares(userId: string): Promise<number> {
    const gone = await this.sql.query(
      `delete from address_book_shares s using address_books b
        where b.id = s.book_id and (s.user_id = $1 or b.owner_id = $1) and not (${COLLEAGUES('b.owner_id', 's.user_id')})
        returning 1`,
      [userId],
    );
    return gone.length;
  }

  /** Adds a book unless its owner has `max` already (counted under the owner's row lock: two at once cannot pass the cap). */
  async insertBook(row: { id: string; owner_id: string; name: string; created_at: number }, max: number): Promise<boolean> {
    return this.tx(async (tx) => {
      await tx.sql.query('select 1 from users where id = $1 for update', [row.owner_id]);
      const [n] = await tx.sql.query<{ n: number }>('select count(*)::int as n from address_books where owner_id = $1', [row.owner_id]);
      if (n!.n >= max) return false;
      await tx.sql.query('insert into address_books (id, owner_id, name, created_at) values ($1, $2, $3, $4)', [row.id, row.owner_id, row.name, row.created_at]);
      return true;
    });
  }

  /** The owner's first book, made (as `row`) if they have none: two first visits at once make one. */
  async firstBook(row: { id: string; owner_id: string; name: string; created_at: number }): Promise<void> {
    await this.tx(async (tx) => {
      await tx.sql.query('select 1 from users where id = $1 for update', [row.owner_id]);
      await tx.sql.query(
        'insert into address_books (id, owner_id, name, created_at) select $1, $2, $3, $4 where not exists (select 1 from address_books where owner_id = $2)',
        [row.id, row.owner_id, row.name, row.created_at],
      );
    });
  }

  /** A new name takes a change number too: devices that watch the book's number (getctag) see it. */
  async renameBook(id: string, ownerId: string, name: string): Promise<boolean> {
    return (await this.sql.query('update address_books set name = $3, last_seq = last_seq + 1 where id = $1 and owner_id = $2 returning 1', [id, ownerId, name])).length > 0;
  }

  async deleteBook(id: string, ownerId: string): Promise<boolean> {
    return (await this.sql.query('delete from address_books where id = $1 and owner_id = $2 returning 1', [id, ownerId])).length > 0;
  }

  /**
   * The book's next change number, its row locked until the transaction
   * ends (changes of one book are numbered in order, and a card read after
   * this cannot change under the caller); undefined if the book is gone or
   * not `ownerId`'s.
   */
  async nextSeq(bookId: string, userId: string): Promise<number | undefined> {
    const [row] = await this.sql.query<{ last_seq: number }>(`update address_books b set last_seq = last_seq + 1 where b.id = $1 and ${writable(2)} returning last_seq`, [bookId, userId]);
    return row?.last_seq;
  }

  async liveCount(bookId: string): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>('select count(*)::int as n from contacts where book_id = $1 and deleted_at is null', [bookId]);
    return row!.n;
  }

  /** The book's live cards; `forViews`: their pictures cut (VIEW_COLUMNS), for a list shown, never for a file or a device. */
  async contacts(bookId: string, limit: number, forViews = false): Promise<ContactRow[]> {
    return this.sql.query<ContactRow>(`select ${forViews ? VIEW_COLUMNS : CONTACT_COLUMNS} from contacts c where c.book_id = $1 and c.deleted_at is null order by lower(c.display_name), c.id limit $2`, [bookId, limit]);
  }

  /** Live cards of every book `userId` may write to (where merging is possible), by name, at most `limit`; their pictures cut (VIEW_COLUMNS). */
  async writableContacts(userId: string, limit: number): Promise<ContactRow[]> {
    return this.sql.query<ContactRow>(
      `select ${VIEW_COLUMNS} from contacts c join address_books b on b.id = c.book_id where ${writable(1)} and c.deleted_at is null order by lower(c.display_name), c.id limit $2`,
      [userId, limit],
    );
  }

  /** The book's cards deleted since `since`, their pictures cut (VIEW_COLUMNS). */
  async trash(bookId: string, since: number, limit: number): Promise<ContactRow[]> {
    return this.sql.query<ContactRow>(`select ${VIEW_COLUMNS} from contacts c where c.book_id = $1 and c.deleted_at >= $2 order by lower(c.display_name), c.id limit $3`, [
      bookId,
      since,
      limit,
    ]);
  }

  /**
   * Empties the book's trash of what was deleted before `before`, and of all
   * but its `keep` newest; the book remembers the last change number so
   * forgotten (purged_seq).
   */
  async purgeTrash(bookId: string, before: number, keep: number): Promise<void> {
    await this.#forget(
      bookId,
      `deleted_at < $2 or id in (select id from contacts where book_id = $1 and deleted_at is not null order by deleted_at desc, id offset $3)`,
      [before, keep],
    );
  }

  /** Takes out of the trash for good the book's cards named `href` or with `uid` (a device writes a card of that name or UID anew). */
  async forgetTrashed(bookId: string, uid: string, href: string): Promise<void> {
    await this.#forget(bookId, 'uid = $2 or href = $3', [uid, href]);
  }

  async #forget(bookId: string, which: string, params: unknown[]): Promise<void> {
    await this.sql.query(
      `with gone as (delete from contacts where book_id = $1 and deleted_at is not null and (${which}) returning seq)
       update address_books set purged_seq = greatest(purged_seq, (select max(seq) from gone)) where id = $1 and exists (select 1 from gone)`,
      [bookId, ...params],
    );
  }

  /** The book's cards (live or in the trash) with these ids. */
  async byIds(bookId: string, ids: string[]): Promise<ContactRow[]> {
    return this.sql.query<ContactRow>(`select ${CONTACT_COLUMNS} from contacts c where c.book_id = $1 and c.id = any($2::text[])`, [bookId, ids]);
  }

  /** The book's cards (live or in the trash) named `hrefs`. */
  async byHrefs(bookId: string, hrefs: string[]): Promise<ContactRow[]> {
    return this.sql.query<ContactRow>(`select ${CONTACT_COLUMNS} from contacts c where c.book_id = $1 and c.href = any($2::text[])`, [bookId, hrefs]);
  }

  /** The book's live card with this UID. */
  async liveByUid(bookId: string, uid: string): Promise<ContactRow | undefined> {
    const [row] = await this.sql.query<ContactRow>(`select ${CONTACT_COLUMNS} from contacts c where c.book_id = $1 and c.uid = $2 and c.deleted_at is null`, [bookId, uid]);
    return row;
  }

  /** The book's cards changed after change number `since` (deleted ones too), in the order of their changes. */
  async changesSince(bookId: string, since: number): Promise<ContactRow[]> {
    return this.sql.query<ContactRow>(`select ${CONTACT_COLUMNS} from contacts c where c.book_id = $1 and c.seq > $2 order by c.seq`, [bookId, since]);
  }

  /** A contact in a book `userId` may read (in the trash or not). */
  async contact(id: string, userId: string): Promise<ContactRow | undefined> {
    const [row] = await this.sql.query<ContactRow>(`select ${CONTACT_COLUMNS} from contacts c join address_books b on b.id = c.book_id where c.id = $1 and ${readable(2)}`, [id, userId]);
    return row;
  }

  /** Live contacts of the books `userId` may read whose names, organization, addresses or numbers hold `query` (folded as they are). */
  async search(userId: string, query: string, limit: number): Promise<ContactRow[]> {
    return this.sql.query<ContactRow>(
      `select ${VIEW_COLUMNS} from contacts c join address_books b on b.id = c.book_id
        where ${readable(1)} and c.deleted_at is null and strpos(c.search, parley_fold($2)) > 0
        order by lower(c.display_name), c.id limit $3`,
      [userId, query, limit],
    );
  }

  async insertContact(row: Omit<ContactRow, 'deleted_at'>, searchText: string): Promise<void> {
    await this.sql.query(
      `insert into contacts (id, book_id, uid, href, card, extra, display_name, search, etag, seq, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, parley_fold($8), $9, $10, $11, $12)`,
      [row.id, row.book_id, row.uid, row.href, JSON.stringify(row.card), JSON.stringify(row.extra), row.display_name, searchText, row.etag, row.seq, row.created_at, row.updated_at],
    );
  }

  /** The card's fields replaced; its kept vCard properties too when `p.extra` is given (a device's copy), else left as they are (an edit in Parley). */
  async updateContact(id: string, p: { card: ContactCard; extra?: JCardProperty[]; display_name: string; etag: string; seq: number; updated_at: number }, searchText: string): Promise<void> {
    await this.sql.query(
      'update contacts set card = $2, display_name = $3, search = parley_fold($4), etag = $5, seq = $6, updated_at = $7, extra = coalesce($8::jsonb, extra) where id = $1',
      [id, JSON.stringify(p.card), p.display_name, searchText, p.etag, p.seq, p.updated_at, p.extra ? JSON.stringify(p.extra) : null],
    );
  }

  /** To the trash (`at`) or out of it (null), with the change's number. */
  async setDeleted(id: string, at: number | null, seq: number): Promise<void> {
    await this.sql.query('update contacts set deleted_at = $2, seq = $3, updated_at = coalesce($2, updated_at) where id = $1', [id, at, seq]);
  }

  /** Every UID the book has (its trash's too): an import gives a card whose UID is taken a new one. */
  async uids(bookId: string): Promise<Set<string>> {
    return new Set((await this.sql.query<{ uid: string }>('select uid from contacts where book_id = $1', [bookId])).map((r) => r.uid));
  }

  /** Many new cards of one book at once (an import), all with change number `seq`. */
  async insertContacts(bookId: string, seq: number, at: number, rows: { id: string; uid: string; card: ContactCard; extra: JCardProperty[]; display_name: string; etag: string; search: string }[]): Promise<void> {
    const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => (typeof r[k] === 'string' ? r[k] : JSON.stringify(r[k])));
    await this.sql.query(
      `insert into contacts (id, book_id, uid, href, card, extra, display_name, search, etag, seq, created_at, updated_at)
       select t.id, $1, t.uid, t.id || '.vcf', t.card::jsonb, t.extra::jsonb, t.display_name, parley_fold(t.search), t.etag, $2, $3, $3
         from unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) as t(id, uid, card, extra, display_name, search, etag)`,
      [bookId, seq, at, col('id'), col('uid'), col('card'), col('extra'), col('display_name'), col('search'), col('etag')],
    );
  }

  /** The book's live cards in group `name`. */
  async inGroup(bookId: string, name: string): Promise<ContactRow[]> {
    return this.sql.query<ContactRow>(`select ${CONTACT_COLUMNS} from contacts c where c.book_id = $1 and c.deleted_at is null and c.card->'groups' ? $2`, [bookId, name]);
  }
}
