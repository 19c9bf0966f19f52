// Contacts: each person's address books and the cards in them. Every id a
// request names is checked against its owner here: an address book or a
// contact of someone else is not found (never "forbidden": that would say
// it exists). A card's display name is its FN: given, or made from the
// names, the organization, an e-mail address or a phone number; a card with
// none of them is refused. Deleted cards go to the trash for 30 days.
// Devices read and write the same cards over CardDAV (the `dav*` methods,
// called by http/carddav.ts): a card keeps the name a device gave it (href)
// and the vCard properties Parley does not edit (extra).
import crypto from 'node:crypto';
import { CONTACT_LIMITS, type AddressBookShareView, type AddressBookView, type ContactBody, type ContactCard, type ContactView, type DuplicateGroupView, type ImportResult } from '@parley/protocol';
import { newId } from '../../lib/ids.ts';
import { cleanText, requireName } from '../../lib/names.ts';
import { Forbidden, InvalidRequest, InvalidSyncToken, PreconditionFailed, TooMany, UidConflict } from '../../lib/errors.ts';
import { UserNotFound } from '../../accounts/errors.ts';
import { bookView, cardOf, contactView, displayNameOf, etagOf, photoOf, pictureType, searchTextOf, trashSince } from './cards.ts';
import { duplicateGroups, mergeCards } from './duplicates.ts';
import { AddressBookNotFound, ContactNotFound } from './errors.ts';
import type { BookRow, ContactRow, ContactStore, JCardProperty } from './store.ts';
import { InvalidImport } from './import-read.ts';
import { fromVcard, toVcard, toVcardFile, type VcardVersion } from './vcard.ts';

export class Contacts {
  readonly #store: ContactStore;
  readonly #defaultBookName: string;
  /** Live cards a book holds at most, and cards its trash keeps (CONTACT_LIMITS.contactsPerBook; tests make it small). */
  readonly #perBook: number;

  constructor(store: ContactStore, opts: { defaultBookName?: string; perBook?: number } = {}) {
    this.#store = store;
    this.#defaultBookName = opts.defaultBookName ?? 'Contacts';
    this.#perBook = opts.perBook ?? CONTACT_LIMITS.contactsPerBook;
  }

  /** One's address books, then those colleagues share; the first visit makes one ("Contacts"). */
  async books(userId: string): Promise<AddressBookView[]> {
    return (await this.#bookRows(userId)).map(bookView);
  }

  async #bookRows(userId: string): Promise<BookRow[]> {
    const rows = await this.#store.books(userId);
    if (rows.some((r) => r.access === 'owner')) return rows;
    await this.#store.firstBook({ id: newId(), owner_id: userId, name: this.#defaultBookName, created_at: Date.now() });
    return this.#store.books(userId);
  }

  async createBook(userId: string, name: string): Promise<AddressBookView> {
    const row = { id: newId(), owner_id: userId, name: requireName(name, 100, 'an address book'), created_at: Date.now() };
    if (!(await this.#store.insertBook(row, CONTACT_LIMITS.booksPerUser))) throw new TooMany(`You have ${CONTACT_LIMITS.booksPerUser} address books: delete one first.`);
    return bookView({ ...row, last_seq: 0, purged_seq: 0, count: 0, access: 'owner', owner_name: '' });
  }

  async renameBook(userId: string, bookId: string, name: string): Promise<AddressBookView> {
    if (!(await this.#store.renameBook(bookId, userId, requireName(name, 100, 'an address book')))) await this.#notOwner(userId, bookId, 'renames');
    return bookView((await this.#store.book(bookId, userId))!);
  }

  /** The book and every card in it (its trash too). */
  async deleteBook(userId: string, bookId: string): Promise<void> {
    if (!(await this.#store.deleteBook(bookId, userId))) await this.#notOwner(userId, bookId, 'deletes');
  }

  /** Why the owner's act failed: FORBIDDEN to one the book is shared with, ADDRESS_BOOK_NOT_FOUND to anyone else. */
  async #notOwner(userId: string, bookId: string, act: string): Promise<never> {
    if (await this.#store.readableBook(bookId, userId)) throw new Forbidden(`only its owner ${act} an address book`);
    throw new AddressBookNotFound('no such address book');
  }

  /** Shares the book with a colleague (read or write), or stops ('none'); its owner only. */
  async share(userId: string, bookId: string, targetId: string, access: 'read' | 'write' | 'none'): Promise<void> {
    if ((await this.#readable(userId, bookId)).access !== 'owner') throw new Forbidden('only its owner shares an address book');
    if (targetId === userId) throw new InvalidRequest('an address book is not shared with its owner');
    // Colleagues only: a member of one of one's organizations (not a guest); anyone else is told of nobody. A share is always taken back.
    if (!(await this.#store.setShare(bookId, targetId, access))) throw new UserNotFound('no such colleague');
  }

  /** Called when `userId` leaves an organization or becomes a guest there: shares with those no longer colleagues end. */
  async colleaguesChanged(userId: string): Promise<void> {
    await this.#store.pruneShares(userId);
  }

  /** Who the book is shared with; its owner only. */
  async shares(userId: string, bookId: string): Promise<AddressBookShareView[]> {
    if ((await this.#readable(userId, bookId)).access !== 'owner') throw new Forbidden('only its owner sees whom an address book is shared with');
    return (await this.#store.shares(bookId)).map((s) => ({ userId: s.user_id, name: s.name, username: s.username, access: s.access }));
  }

  /** The book's name and the reader's access, if they may read it (their own, or shared with them). */
  async #readable(userId: string, bookId: string): Promise<{ name: string; access: 'owner' | 'read' | 'write' }> {
    const book = await this.#store.readableBook(bookId, userId);
    if (!book) throw new AddressBookNotFound('no such address book');
    return book;
  }

  /**
   * The change number of a write to the book, which locks it (counts and
   * reads after it cannot be passed by a write at the same moment):
   * FORBIDDEN if it is shared with the person to read only.
   */
  async #writeSeq(store: ContactStore, userId: string, bookId: string): Promise<number> {
    const seq = await store.nextSeq(bookId, userId);
    if (seq !== undefined) return seq;
    if (await store.readableBook(bookId, userId)) throw new Forbidden('this address book is shared with you to read only');
    throw new AddressBookNotFound('no such address book');
  }

  /** A book one may read (ADDRESS_BOOK_NOT_FOUND otherwise). */
  async book(userId: string, bookId: string): Promise<AddressBookView> {
    const row = await this.#store.book(bookId, userId);
    if (!row) throw new AddressBookNotFound('no such address book');
    return bookView(row);
  }

  /** A book one may write to: an import checks it before reading its file (FORBIDDEN when shared to read, ADDRESS_BOOK_NOT_FOUND when not one's). */
  async writableBook(userId: string, bookId: string): Promise<AddressBookView> {
    const book = await this.book(userId, bookId);
    if (book.access === 'read') throw new Forbidden('this address book is shared with you to read only');
    return book;
  }

  async contacts(userId: string, bookId: string): Promise<ContactView[]> {
    await this.#readable(userId, bookId);
    return (await this.#store.contacts(bookId, this.#perBook, true)).map(contactView);
  }

  /** The book's contacts deleted less than 30 days ago, by name. */
  async trash(userId: string, bookId: string): Promise<ContactView[]> {
    await this.#readable(userId, bookId);
    return (await this.#store.trash(bookId, trashSince(Date.now()), this.#perBook)).map(contactView);
  }

  async contact(userId: string, contactId: string): Promise<ContactView> {
    const row = await this.#store.contact(contactId, userId);
    if (!row || row.deleted_at !== null) throw new ContactNotFound('no such contact');
    return contactView(row);
  }

  /** Across one's books: "muller" finds "Müller", "zur" finds "Zürich", "79 123" a number written so. */
  async search(userId: string, query: string): Promise<ContactView[]> {
    const q = cleanText(query, 100);
    if (!q) return [];
    return (await this.#store.search(userId, q, CONTACT_LIMITS.searchResults)).map(contactView);
  }

  /** A new card; a book holds at most #perBook. */
  async create(userId: string, bookId: string, p: ContactBody): Promise<ContactView> {
    const card = cardOf(p);
    const name = displayNameOf(p, card);
    return this.#store.tx(async (store) => {
      // Taking the number checks the person may write and locks the book: the count below cannot be passed by two at once.
      const seq = await this.#writeSeq(store, userId, bookId);
      await this.#room(store, bookId);
      const now = Date.now();
      const id = newId();
      const row = { id, book_id: bookId, uid: crypto.randomUUID(), href: `${id}.vcf`, card, extra: [], display_name: name, etag: etagOf(card, name, seq), seq, created_at: now, updated_at: now };
      await store.insertContact(row, searchTextOf(name, card));
      return contactView({ ...row, deleted_at: null });
    });
  }

  async #room(store: ContactStore, bookId: string): Promise<void> {
    if ((await store.liveCount(bookId)) >= this.#perBook) throw new TooMany(`An address book holds at most ${this.#perBook} contacts.`);
  }

  /**
   * A change of one card, under its book's lock: the card is read again
   * once the book is locked (a delete or an edit at the same moment cannot
   * slip between the read and the write). `inTrash`: the card the change
   * wants (a restore wants one in the trash).
   */
  async #change<T>(userId: string, contactId: string, inTrash: boolean, fn: (store: ContactStore, row: ContactRow, seq: number) => Promise<T>): Promise<T> {
    return this.#store.tx(async (store) => {
      const seen = await store.contact(contactId, userId);
      if (!seen) throw new ContactNotFound('no such contact');
      const seq = await this.#writeSeq(store, userId, seen.book_id);
      const row = await store.contact(contactId, userId);
      const fresh = inTrash ? row?.deleted_at != null && row.deleted_at >= trashSince(Date.now()) : row?.deleted_at === null;
      if (!row || !fresh) throw new ContactNotFound(inTrash ? 'no such contact in the trash' : 'no such contact');
      return fn(store, row, seq);
    });
  }

  /** The whole card, replaced. */
  async update(userId: string, contactId: string, p: ContactBody): Promise<ContactView> {
    const card = cardOf(p);
    const name = displayNameOf(p, card);
    return this.#change(userId, contactId, false, async (store, before, seq) => {
      const change = { card, display_name: name, etag: etagOf(card, name, seq), seq, updated_at: Date.now() };
      await store.updateContact(contactId, change, searchTextOf(name, card));
      return contactView({ ...before, ...change });
    });
  }

  /** To the trash: restorable for 30 days. The trash keeps at most as many cards as a book holds. */
  async remove(userId: string, contactId: string): Promise<void> {
    await this.#change(userId, contactId, false, async (store, row, seq) => {
      const now = Date.now();
      await store.setDeleted(contactId, now, seq);
      await store.purgeTrash(row.book_id, trashSince(now), this.#perBook);
    });
  }

  async restore(userId: string, contactId: string): Promise<ContactView> {
    return this.#change(userId, contactId, true, async (store, row, seq) => {
      await this.#room(store, row.book_id);
      await store.setDeleted(contactId, null, seq);
      return contactView({ ...row, deleted_at: null, seq });
    });
  }

  /**
   * The card copied into another book one may write to (a new card, with a
   * UID of its own: two books syncing to one phone would otherwise show one
   * person twice as one), or moved there (the same UID unless the book has
   * it; the original goes to its book's trash, which is how devices syncing
   * that book learn it left). Fields and the properties kept from a device go
   * along. A move needs the right to write both books.
   */
  async copy(userId: string, contactId: string, targetId: string, move: boolean): Promise<ContactView> {
    return this.#store.tx(async (store) => {
      const seen = await store.contact(contactId, userId);
      if (!seen || seen.deleted_at !== null) throw new ContactNotFound('no such contact');
      if (seen.book_id === targetId) throw new InvalidRequest('the contact is in that address book already');
      // Both books locked in one order: two moves crossing between them cannot deadlock.
      const books = move ? [seen.book_id, targetId].sort() : [targetId];
      const seqs = new Map<string, number>();
      for (const id of books) seqs.set(id, await this.#writeSeq(store, userId, id));
      const row = await store.contact(contactId, userId);
      if (!row || row.deleted_at !== null || row.book_id !== seen.book_id) throw new ContactNotFound('no such contact');
      await this.#room(store, targetId);
      const seq = seqs.get(targetId)!;
      const uid = move && !(await store.liveByUid(targetId, row.uid)) ? row.uid : crypto.randomUUID();
      const id = newId();
      const href = `${id}.vcf`;
      await store.forgetTrashed(targetId, uid, href);
      const now = Date.now();
      const copy = { id, book_id: targetId, uid, href, card: row.card, extra: row.extra, display_name: row.display_name, etag: etagOf(row.card, row.display_name, seq), seq, created_at: now, updated_at: now };
      await store.insertContact(copy, searchTextOf(row.display_name, row.card));
      if (move) {
        await store.setDeleted(row.id, now, seqs.get(row.book_id)!);
        await store.purgeTrash(row.book_id, trashSince(now), this.#perBook);
      }
      return contactView({ ...copy, deleted_at: null });
    });
  }

  /** The card's picture, if it has one Parley shows (cards.ts). */
  async photo(userId: string, contactId: string): Promise<{ mime: string; bytes: Buffer }> {
    const row = await this.#store.contact(contactId, userId);
    if (!row || row.deleted_at !== null) throw new ContactNotFound('no such contact');
    const photo = photoOf(row.extra);
    if (!photo) throw new ContactNotFound('this contact has no picture');
    return photo;
  }

  /** A new picture for the card (PNG, JPEG, GIF or WebP, known by its bytes), or none (null); a device's former one is replaced. */
  async setPhoto(userId: string, contactId: string, bytes: Buffer | null): Promise<ContactView> {
    const mime = bytes && pictureType(bytes);
    if (bytes && !mime) throw new InvalidRequest('a picture is a PNG, JPEG, GIF or WebP file');
    const photo: JCardProperty[] = bytes ? [['photo', {}, 'uri', `data:${mime};base64,${bytes.toString('base64')}`]] : [];
    return this.#change(userId, contactId, false, async (store, row, seq) => {
      const change = { card: row.card, extra: [...photo, ...row.extra.filter((p) => p[0] !== 'photo')].slice(0, CONTACT_LIMITS.extraProperties), display_name: row.display_name, etag: etagOf(row.card, row.display_name, seq), seq, updated_at: Date.now() };
      await store.updateContact(contactId, change, searchTextOf(row.display_name, row.card));
      return contactView({ ...row, ...change });
    });
  }

  /** Groups of likely duplicates (duplicates.ts), at most 200: in a book one may read, or (no book) across every book one may write to. */
  async duplicates(userId: string, bookId?: string): Promise<DuplicateGroupView[]> {
    if (bookId) await this.#readable(userId, bookId);
    const rows = bookId ? await this.#store.contacts(bookId, this.#perBook, true) : await this.#store.writableContacts(userId, CONTACT_LIMITS.duplicatesAcross);
    const groups = await duplicateGroups(
      rows.map((r) => ({ id: r.id, name: r.display_name, card: r.card })),
      CONTACT_LIMITS.duplicateGroups,
      () => new Promise((resolve) => setImmediate(resolve)),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return groups.map((g) => ({ reasons: g.reasons, contacts: g.ids.map((id) => contactView(byId.get(id)!)) }));
  }

  /**
   * Cards made one, of one book (`bookId`) or of several one may write to:
   * the first is kept (its id, UID and name on devices: phones that have it
   * keep it), the others' fields gathered into it (duplicates.ts), and the
   * others go to their books' trash, restorable.
   */
  async merge(userId: string, contactIds: string[], bookId?: string): Promise<ContactView> {
    const ids = [...new Set(contactIds)];
    if (ids.length < 2) throw new InvalidRequest('merge two contacts or more');
    if (bookId) await this.#readable(userId, bookId);
    return this.#store.tx(async (store) => {
      const seen = new Map<string, string>();
      for (const id of ids) {
        const row = await store.contact(id, userId);
        if (!row || row.deleted_at !== null || (bookId && row.book_id !== bookId)) throw new ContactNotFound(bookId ? 'no such contact in this address book' : 'no such contact');
        seen.set(id, row.book_id);
      }
      // Every book locked in one order (as a move does): two merges crossing the same books cannot deadlock.
      const seqs = new Map<string, number>();
      for (const id of [...new Set(seen.values())].sort()) seqs.set(id, await this.#writeSeq(store, userId, id));
      const live: (ContactRow | undefined)[] = [];
      for (const id of ids) live.push(await store.contact(id, userId));
      if (live.some((r, i) => !r || r.deleted_at !== null || r.book_id !== seen.get(ids[i]!))) throw new ContactNotFound('no such contact');
      const [keep, ...others] = live as ContactRow[];
      const merged = mergeCards(live.map((r) => ({ card: r!.card, extra: r!.extra })));
      // The kept card's name, unless it was only its address or number and the others bring a name.
      const stand_in = [...keep!.card.emails, ...keep!.card.phones].some((x) => x.value === keep!.display_name);
      const name = stand_in ? displayNameOf({}, merged.card) : keep!.display_name;
      const now = Date.now();
      const seq = seqs.get(keep!.book_id)!;
      const change = { card: merged.card, extra: merged.extra, display_name: name, etag: etagOf(merged.card, name, seq), seq, updated_at: now };
      await store.updateContact(keep!.id, change, searchTextOf(name, merged.card));
      for (const other of others) await store.setDeleted(other.id, now, seqs.get(other.book_id)!);
      for (const id of seqs.keys()) await store.purgeTrash(id, trashSince(now), this.#perBook);
      return contactView({ ...keep!, ...change });
    });
  }

  /** The book as a .vcf file (vCard 4.0), with its name. */
  async exportVcard(userId: string, bookId: string): Promise<{ name: string; text: string }> {
    const { name } = await this.#readable(userId, bookId);
    return { name, text: toVcardFile((await this.#store.contacts(bookId, this.#perBook)).map((r) => ({ view: contactView(r), extra: r.extra }))) };
  }

  /**
   * Cards read from a file (import-read.ts) into a book, all or nothing: the
   * first card Parley would refuse names its line and nothing is stored.
   * Each lands in `group` too (the import's date); with `skipNameOnly`, a
   * card with no e-mail address and no phone is left out. A UID the book
   * has already gets a new one (an import adds; it replaces nothing).
   */
  async importCards(userId: string, bookId: string, cards: { line: number; body: ContactBody; extra?: JCardProperty[]; uid?: string }[], opts: { group: string; skipNameOnly: boolean }): Promise<ImportResult> {
    const group = cleanText(opts.group, 64) || 'Import';
    const ready: { card: ContactCard; name: string; extra: JCardProperty[]; uid?: string; digest: string; search: string; bytes: number }[] = [];
    let skipped = 0;
    for (const [i, c] of cards.entries()) {
      // 10,000 cards are checked in slices: meetings and chat get their turns between them.
      if (i % 200 === 199) await new Promise((r) => setImmediate(r));
      const body = { ...c.body, groups: [...new Set([...(c.body.groups ?? []), group])].slice(-CONTACT_LIMITS.groups) };
      let card: ContactCard;
      let name: string;
      try {
        card = cardOf(body);
        name = displayNameOf(body, card);
      } catch (e) {
        throw new InvalidImport(`line ${c.line}: ${(e as Error).message}`);
      }
      if (opts.skipNameOnly && !card.emails.length && !card.phones.length) skipped++;
      // Hashed here, in slices: in the transaction only the change number is added to it.
      else {
        const extra = c.extra ?? [];
        // The row's size, near enough, for batching its insert.
        const bytes = JSON.stringify(card).length + JSON.stringify(extra).length;
        ready.push({ card, name, extra, ...(c.uid ? { uid: c.uid } : {}), digest: etagOf(card, name, 0), search: searchTextOf(name, card), bytes });
      }
    }
    return this.#store.tx(async (store) => {
      const seq = await this.#writeSeq(store, userId, bookId);
      if ((await store.liveCount(bookId)) + ready.length > this.#perBook) throw new TooMany(`An address book holds at most ${this.#perBook} contacts: this file would pass that.`);
      const taken = await store.uids(bookId);
      const now = Date.now();
      const rows = ready.map((r) => {
        const uid = r.uid && !taken.has(r.uid) ? r.uid : crypto.randomUUID();
        taken.add(uid);
        return { id: newId(), uid, card: r.card, extra: r.extra, display_name: r.name, etag: crypto.createHash('sha256').update(`${r.digest}\n${uid}\n${seq}`).digest('base64url').slice(0, 22), search: r.search };
      });
      // In statements small enough that one (PGlite runs in this thread)
      // holds nothing else for long: 100 cards, or fewer when they are big
      // (100 cards of 5 KB took 50 ms on PGlite; 64 KB takes about 10).
      for (let i = 0; i < rows.length; ) {
        let end = i;
        for (let bytes = 0; end < rows.length && end - i < 100 && bytes < 64 * 1024; end++) bytes += ready[end]!.bytes;
        await store.insertContacts(bookId, seq, now, rows.slice(i, end));
        i = end;
      }
      return { imported: rows.length, skipped, group };
    });
  }

  /**
   * A group ends: its cards leave it and stay (or, `withContacts`, go to the
   * trash with it, as asked). Each card changed takes the book's number.
   */
  async deleteGroup(userId: string, bookId: string, name: string, withContacts: boolean): Promise<{ contacts: number }> {
    return this.#store.tx(async (store) => {
      const seq = await this.#writeSeq(store, userId, bookId);
      const rows = await store.inGroup(bookId, name);
      const now = Date.now();
      for (const row of rows) {
        if (withContacts) {
          await store.setDeleted(row.id, now, seq);
          continue;
        }
        const card = { ...row.card, groups: row.card.groups.filter((g) => g !== name) };
        await store.updateContact(row.id, { card, display_name: row.display_name, etag: etagOf(card, row.display_name, seq), seq, updated_at: now }, searchTextOf(row.display_name, card));
      }
      if (withContacts) await store.purgeTrash(bookId, trashSince(now), this.#perBook);
      return { contacts: rows.length };
    });
  }

  /** The book as a device sees it: its name, its cards' number and its last change number (the sync token). */
  async davBook(userId: string, bookId: string): Promise<{ name: string; count: number; lastSeq: number; writable: boolean }> {
    const row = await this.#store.book(bookId, userId);
    if (!row) throw new AddressBookNotFound('no such address book');
    return { name: row.name, count: row.count, lastSeq: Number(row.last_seq), writable: row.access !== 'read' };
  }

  /** One's books and those shared with one, with their last change numbers (the first visit makes one). */
  async davBooks(userId: string): Promise<{ id: string; name: string; lastSeq: number; writable: boolean }[]> {
    return (await this.#bookRows(userId)).map((b) => ({ id: b.id, name: b.name, lastSeq: Number(b.last_seq), writable: b.access !== 'read' }));
  }

  /** Every live card's name and ETag (a device's listing of the book). */
  async davList(userId: string, bookId: string): Promise<DavCard[]> {
    await this.#readable(userId, bookId);
    return (await this.#store.contacts(bookId, this.#perBook)).map(davCard);
  }

  /** The live cards named `hrefs` (at most 1000, as a device asks for them), with their vCard. */
  async davGet(userId: string, bookId: string, hrefs: string[]): Promise<DavCard[]> {
    await this.#readable(userId, bookId);
    return (await this.#store.byHrefs(bookId, hrefs.slice(0, 1000))).filter((r) => r.deleted_at === null).map(davCard);
  }

  /**
   * What changed in the book after the change numbered `since`: changed
   * cards with their vCard, deleted ones by name (RFC 6578); with no number
   * (a first sync), every live card. A number the book never gave, or one
   * older than a deletion that has left the trash, cannot be answered truly.
   */
  async davChanges(userId: string, bookId: string, since?: number): Promise<{ lastSeq: number; changed: DavCard[]; deleted: string[] }> {
    const book = await this.#store.book(bookId, userId);
    if (!book) throw new AddressBookNotFound('no such address book');
    const [last, purged] = [Number(book.last_seq), Number(book.purged_seq)];
    if (since !== undefined && (since > last || since < purged)) throw new InvalidSyncToken('sync again from the start');
    const rows = since === undefined ? await this.#store.contacts(bookId, this.#perBook) : await this.#store.changesSince(bookId, since);
    // Only changes up to the book's number as read: one made meanwhile comes next time, never lost.
    const upTo = rows.filter((r) => Number(r.seq) <= last);
    return { lastSeq: last, changed: upTo.filter((r) => r.deleted_at === null).map(davCard), deleted: upTo.filter((r) => r.deleted_at !== null).map((r) => r.href) };
  }

  /**
   * A device writes the card named `href` (RFC 6352 PUT): made, or replaced
   * whole (its kept properties too). `ifMatch`: only if the card has this
   * ETag now (or exists, for "*"); `ifNoneMatch`: only if there is none.
   */
  async davPut(userId: string, bookId: string, href: string, vcard: string, cond: { ifMatch?: string; ifNoneMatch?: boolean } = {}): Promise<{ created: boolean; etag: string }> {
    const parsed = fromVcard(vcard);
    const card = cardOf(parsed.body);
    const name = displayNameOf(parsed.body, card);
    return this.#store.tx(async (store) => {
      const seq = await this.#writeSeq(store, userId, bookId);
      const live = (await store.byHrefs(bookId, [href])).find((r) => r.deleted_at === null);
      if (cond.ifNoneMatch && live) throw new PreconditionFailed('a card of that name exists');
      if (cond.ifMatch !== undefined && (!live || (cond.ifMatch !== '*' && cond.ifMatch !== live.etag))) throw new PreconditionFailed('the card changed meanwhile');
      const now = Date.now();
      const etag = etagOf(card, name, seq);
      if (live) {
        if (parsed.uid !== undefined && parsed.uid !== live.uid) throw new UidConflict('a card keeps its UID', href);
        await store.updateContact(live.id, { card, extra: parsed.extra, display_name: name, etag, seq, updated_at: now }, searchTextOf(name, card));
        return { created: false, etag };
      }
      const uid = parsed.uid ?? crypto.randomUUID();
      const other = await store.liveByUid(bookId, uid);
      if (other) throw new UidConflict('another card of this address book has this UID', other.href);
      await store.forgetTrashed(bookId, uid, href);
      await this.#room(store, bookId);
      const row = { id: newId(), book_id: bookId, uid, href, card, extra: parsed.extra, display_name: name, etag, seq, created_at: now, updated_at: now };
      await store.insertContact(row, searchTextOf(name, card));
      return { created: true, etag };
    });
  }

  /** A device deletes the card named `href`: to the trash, as from Parley. */
  async davDelete(userId: string, bookId: string, href: string, ifMatch?: string): Promise<void> {
    await this.#store.tx(async (store) => {
      const seq = await this.#writeSeq(store, userId, bookId);
      const live = (await store.byHrefs(bookId, [href])).find((r) => r.deleted_at === null);
      if (!live) throw new ContactNotFound('no such contact');
      if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== live.etag) throw new PreconditionFailed('the card changed meanwhile');
      const now = Date.now();
      await store.setDeleted(live.id, now, seq);
      await store.purgeTrash(bookId, trashSince(now), this.#perBook);
    });
  }
}

/** A card as CardDAV serves it; its vCard (4.0 unless 3.0 is asked for) written when asked for (a listing wants ETags only). */
export interface DavCard {
  href: string;
  etag: string;
  vcard(version?: VcardVersion): string;
}
const davCard = (r: ContactRow): DavCard => ({ href: r.href, etag: r.etag, vcard: (version) => toVcard(contactView(r), r.extra, version) });
