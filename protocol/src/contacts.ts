// Contacts: address books and the people in them, with the vCard fields
// people fill in (RFC 6350): names, organization, several e-mail addresses,
// phones and postal addresses, birthday, notes, groups (vCard's CATEGORIES).
// HTTP bodies and the views the server answers with.
import Type from 'typebox';
import { IdSchema } from './ids.ts';

export const CONTACT_LIMITS = {
  booksPerUser: 50,
  contactsPerBook: 20_000,
  emails: 20,
  phones: 20,
  addresses: 10,
  groups: 20,
  noteChars: 10_000,
  /** How long a deleted contact can be restored, in days. */
  trashDays: 30,
  /** Contacts one search answers at most. */
  searchResults: 200,
  /** One vCard a device sends (CardDAV PUT), its photo included. */
  vcardBytes: 1024 * 1024,
  /** Properties of one vCard that Parley keeps without editing them (a photo, a nickname, a device's X- fields). */
  extraProperties: 200,
  /** Groups of likely duplicates one answer lists at most, and cards merged into one at once. */
  duplicateGroups: 200,
  mergeAtOnce: 20,
  /** Cards looked through at most when duplicates are sought across all one's books (a book holds 20,000). */
  duplicatesAcross: 40_000,
  /** A picture sent for a card (PUT /api/contacts/:id/photo); the web makes it 512 px at most first. */
  photoBytes: 512 * 1024,
} as const;

/** A file of contacts imported at once (the seeds' limits): all of it, or nothing. */
export const IMPORT_LIMITS = { bytes: 50 * 1024 * 1024, lines: 10_000, previewRows: 5 } as const;

/** What a CSV column can be read as (an empty name in a mapping: the column is left out). */
export const CSV_FIELDS = [
  'givenName',
  'familyName',
  'middleName',
  'prefix',
  'suffix',
  'displayName',
  'organization',
  'department',
  'title',
  'email',
  'emailHome',
  'emailWork',
  'phone',
  'phoneCell',
  'phoneHome',
  'phoneWork',
  'street',
  'postcode',
  'city',
  'region',
  'country',
  'birthday',
  'note',
  'groups',
] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

/** An e-mail address: an @ and a dot after it; nothing blank, invisible or a control character (compile with `u`). */
export const CONTACT_EMAIL_PATTERN = '^[^\\s@\\p{Cc}\\p{Cf}]+@[^\\s@\\p{Cc}\\p{Cf}]+\\.[^\\s@\\p{Cc}\\p{Cf}]+$';
/** A phone number: digits and what people write between them. */
export const CONTACT_PHONE_PATTERN = '^[0-9+()#*.,;/ -]*[0-9][0-9+()#*.,;/ -]*$';

const strict = { additionalProperties: false } as const;
const Text = (max: number) => Type.String({ maxLength: max });
/** What a phone, an e-mail address or a postal address is for. */
export const ContactKindSchema = Type.Union([Type.Literal('home'), Type.Literal('work'), Type.Literal('cell'), Type.Literal('other')]);
export type ContactKind = Type.Static<typeof ContactKindSchema>;
const ContactEmail = Type.Object({ value: Type.String({ minLength: 5, maxLength: 254, pattern: CONTACT_EMAIL_PATTERN }), type: Type.Optional(ContactKindSchema) }, strict);
const ContactPhone = Type.Object({ value: Type.String({ minLength: 1, maxLength: 40, pattern: CONTACT_PHONE_PATTERN }), type: Type.Optional(ContactKindSchema) }, strict);
const ContactAddress = Type.Object(
  { street: Type.Optional(Text(200)), city: Type.Optional(Text(100)), region: Type.Optional(Text(100)), postcode: Type.Optional(Text(20)), country: Type.Optional(Text(100)), type: Type.Optional(ContactKindSchema) },
  strict,
);

/** POST /api/contacts/books/:bookId/contacts, PUT /api/contacts/:contactId: the whole card. */
export const ContactBody = Type.Object(
  {
    givenName: Type.Optional(Text(100)),
    familyName: Type.Optional(Text(100)),
    middleName: Type.Optional(Text(100)),
    prefix: Type.Optional(Text(50)),
    suffix: Type.Optional(Text(50)),
    /** As shown in lists (vCard's FN); made from the names, the organization or an address when absent. */
    displayName: Type.Optional(Text(200)),
    organization: Type.Optional(Text(200)),
    /** The unit within the organization (vCard's ORG after its first part). */
    department: Type.Optional(Text(200)),
    title: Type.Optional(Text(200)),
    emails: Type.Optional(Type.Array(ContactEmail, { maxItems: CONTACT_LIMITS.emails })),
    phones: Type.Optional(Type.Array(ContactPhone, { maxItems: CONTACT_LIMITS.phones })),
    addresses: Type.Optional(Type.Array(ContactAddress, { maxItems: CONTACT_LIMITS.addresses })),
    /** YYYY-MM-DD. */
    birthday: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' })),
    note: Type.Optional(Text(CONTACT_LIMITS.noteChars)),
    groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: CONTACT_LIMITS.groups })),
  },
  strict,
);
export type ContactBody = Type.Static<typeof ContactBody>;

/** POST /api/contacts/books, PATCH /api/contacts/books/:bookId */
export const AddressBookBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, strict);
export type AddressBookBody = Type.Static<typeof AddressBookBody>;
const Separator = Type.Union([Type.Literal(','), Type.Literal(';'), Type.Literal('\t'), Type.Literal('|')]);
/** POST /api/contacts/import/preview: the file as the body (text/csv or text/vcard), its kind and reading in the query. */
export const ImportPreviewQuery = Type.Object({ format: Type.Union([Type.Literal('vcard'), Type.Literal('csv')]), separator: Type.Optional(Separator) }, strict);
/** POST /api/contacts/books/:bookId/import: the same file again, and how to read it. */
export const ImportQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('vcard'), Type.Literal('csv')]),
    separator: Type.Optional(Separator),
    /** CSV: whether the first row names the columns (yes by default). */
    header: Type.Optional(Type.Union([Type.Literal('yes'), Type.Literal('no')])),
    /** CSV: the first line to import (the header's line and those before it are not). */
    firstLine: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,4}$' })),
    /** CSV: each column's field, in order, separated by commas (an empty one: the column is left out). */
    mapping: Type.Optional(Type.String({ maxLength: 4000, pattern: '^[A-Za-z,]*$' })),
    /** Cards with a name only (no e-mail address, no phone) are left out. */
    skipNameOnly: Type.Optional(Type.Union([Type.Literal('yes'), Type.Literal('no')])),
    /** The group the imported cards land in (the import's date, in the page's words). */
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  strict,
);
export type ImportQuery = Type.Static<typeof ImportQuery>;

/** What a file holds, before it is imported. */
export interface ImportPreview {
  format: 'vcard' | 'csv';
  /** Cards (vCard) or rows after the header (CSV). */
  count: number;
  /** CSV: the separator read with, the first row's cells, a few rows after it, and a guess of each column's field ('' for none). */
  separator?: string;
  header?: string[];
  rows?: string[][];
  mapping?: (CsvField | '')[];
  /** vCard: the first cards' names. */
  names?: string[];
}
export interface ImportResult {
  imported: number;
  /** Left out: with a name only, when asked. */
  skipped: number;
  group: string;
}

/** DELETE /api/contacts/books/:bookId/groups: the group's name, and whether its contacts go to the trash with it (they stay by default). */
export const DeleteGroupQuery = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), contacts: Type.Optional(Type.Union([Type.Literal('keep'), Type.Literal('delete')])) }, strict);

/** GET /api/contacts/search */
export const ContactSearchQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 100 }) }, strict);

export interface AddressBookView {
  id: string;
  name: string;
  /** Contacts in it (the trash not counted). */
  count: number;
  createdAt: number;
  /** The reader's: their own, or shared with them to read or to write. */
  access: 'owner' | 'read' | 'write';
  /** Whose it is, for a book shared with the reader. */
  ownerName?: string;
}

/** PUT /api/contacts/books/:bookId/shares: share a book with a colleague, change what they may do, or ('none') stop sharing. */
export const ShareAddressBookBody = Type.Object({ userId: IdSchema, access: Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('none')]) }, strict);
export type ShareAddressBookBody = Type.Static<typeof ShareAddressBookBody>;

/** POST /api/contacts/:contactId/copy: into another book one may write to; `move` takes it out of its own (to the trash). */
export const CopyContactBody = Type.Object({ bookId: IdSchema, move: Type.Optional(Type.Boolean()) }, strict);
export type CopyContactBody = Type.Static<typeof CopyContactBody>;

/** POST /api/contacts/books/:bookId/merge (cards of that book) or POST /api/contacts/merge (of any books one may write to): the cards made one, the first kept (its id and UID), the others to their books' trash. */
export const MergeContactsBody = Type.Object({ contactIds: Type.Array(IdSchema, { minItems: 2, maxItems: CONTACT_LIMITS.mergeAtOnce }) }, strict);
export type MergeContactsBody = Type.Static<typeof MergeContactsBody>;

/** Cards that look like one person (GET /api/contacts/books/:bookId/duplicates in one book, GET /api/contacts/duplicates across the books one may write to), and what they share. */
export interface DuplicateGroupView {
  reasons: ('email' | 'phone' | 'name')[];
  contacts: ContactView[];
}

/** One person a book is shared with (GET /api/contacts/books/:bookId/shares, its owner only). */
export interface AddressBookShareView {
  userId: string;
  name: string;
  username: string;
  access: 'read' | 'write';
}

export interface ContactEmailView {
  value: string;
  type?: ContactKind;
}
export interface ContactPhoneView {
  value: string;
  type?: ContactKind;
}
export interface ContactAddressView {
  street?: string;
  city?: string;
  region?: string;
  postcode?: string;
  country?: string;
  type?: ContactKind;
}
/** The card as stored: the body's fields, cleaned, lists always present. */
export interface ContactCard {
  givenName?: string;
  familyName?: string;
  middleName?: string;
  prefix?: string;
  suffix?: string;
  organization?: string;
  department?: string;
  title?: string;
  emails: ContactEmailView[];
  phones: ContactPhoneView[];
  addresses: ContactAddressView[];
  birthday?: string;
  note?: string;
  groups: string[];
}
export interface ContactView extends ContactCard {
  id: string;
  bookId: string;
  /** The card's UID: the same in every copy a device syncs. */
  uid: string;
  displayName: string;
  /** Changes with every change of the card (CardDAV's ETag). */
  etag: string;
  createdAt: number;
  updatedAt: number;
  /** Set for a contact in the trash. */
  deletedAt?: number;
  /** It has a picture Parley shows (GET /api/contacts/:id/photo). */
  hasPhoto?: true;
}
