// The contacts' HTTP calls (docs/protocol.md, "Contacts"), with the session token.
import type { AddressBookShareView, AddressBookView, ContactBody, ContactView, DuplicateGroupView, DirectoryEntryView, OrgView } from '@parley/protocol';
import { call } from '../core/api.ts';
import { downloadFile } from '../ui/download.ts';

const enc = encodeURIComponent;

export function contactsApi(token: string) {
  const c = <T>(method: string, url: string, body?: unknown) => call<T>(method, url, body, token);
  return {
    books: () => c<{ books: AddressBookView[] }>('GET', '/api/contacts/books').then((r) => r.books),
    createBook: (name: string) => c<{ book: AddressBookView }>('POST', '/api/contacts/books', { name }).then((r) => r.book),
    contacts: (bookId: string) => c<{ contacts: ContactView[] }>('GET', `/api/contacts/books/${enc(bookId)}/contacts`).then((r) => r.contacts),
    trash: (bookId: string) => c<{ contacts: ContactView[] }>('GET', `/api/contacts/books/${enc(bookId)}/trash`).then((r) => r.contacts),
    search: (q: string) => c<{ contacts: ContactView[] }>('GET', `/api/contacts/search?q=${enc(q)}`).then((r) => r.contacts),
    create: (bookId: string, body: ContactBody) => c<{ contact: ContactView }>('POST', `/api/contacts/books/${enc(bookId)}/contacts`, body).then((r) => r.contact),
    update: (id: string, body: ContactBody) => c<{ contact: ContactView }>('PUT', `/api/contacts/${enc(id)}`, body).then((r) => r.contact),
    remove: (id: string) => c('DELETE', `/api/contacts/${enc(id)}`),
    /** The card's picture, as an object URL (photos.ts keeps it, and revokes it once it is no longer kept). */
    photo: async (id: string) => {
      const res = await fetch(`/api/contacts/${enc(id)}/photo`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return URL.createObjectURL(await res.blob());
    },
    setPhoto: (id: string, picture: Blob) => c<{ contact: ContactView }>('PUT', `/api/contacts/${enc(id)}/photo`, picture).then((r) => r.contact),
    removePhoto: (id: string) => c<{ contact: ContactView }>('DELETE', `/api/contacts/${enc(id)}/photo`).then((r) => r.contact),
    duplicates: (bookId: string) => c<{ groups: DuplicateGroupView[] }>('GET', `/api/contacts/books/${enc(bookId)}/duplicates`).then((r) => r.groups),
    merge: (bookId: string, contactIds: string[]) => c<{ contact: ContactView }>('POST', `/api/contacts/books/${enc(bookId)}/merge`, { contactIds }).then((r) => r.contact),
    /** Duplicates across every book one may write to, and their merge. */
    duplicatesEverywhere: () => c<{ groups: DuplicateGroupView[] }>('GET', '/api/contacts/duplicates').then((r) => r.groups),
    mergeEverywhere: (contactIds: string[]) => c<{ contact: ContactView }>('POST', '/api/contacts/merge', { contactIds }).then((r) => r.contact),
    copy: (id: string, bookId: string, move: boolean) => c<{ contact: ContactView }>('POST', `/api/contacts/${enc(id)}/copy`, { bookId, move }).then((r) => r.contact),
    restore: (id: string) => c<{ contact: ContactView }>('POST', `/api/contacts/${enc(id)}/restore`).then((r) => r.contact),
    me: () => c<{ user: { id: string }; orgs: OrgView[] }>('GET', '/api/me'),
    directory: (orgId: string) => c<{ entries: DirectoryEntryView[] }>('GET', `/api/orgs/${enc(orgId)}/directory`).then((r) => r.entries),
    setDirectoryHidden: (orgId: string, userId: string, hidden: boolean) => c('PUT', `/api/orgs/${enc(orgId)}/directory/${enc(userId)}`, { hidden }),
    shares: (bookId: string) => c<{ shares: AddressBookShareView[] }>('GET', `/api/contacts/books/${enc(bookId)}/shares`).then((r) => r.shares),
    share: (bookId: string, userId: string, access: 'read' | 'write' | 'none') => c('PUT', `/api/contacts/books/${enc(bookId)}/shares`, { userId, access }),
    deleteGroup: (bookId: string, name: string, withContacts: boolean) => c('DELETE', `/api/contacts/books/${enc(bookId)}/groups?name=${enc(name)}&contacts=${withContacts ? 'delete' : 'keep'}`),
    /** Downloads the book as a .vcf file. */
    exportVcard: (bookId: string, name: string) => downloadFile(`/api/contacts/books/${enc(bookId)}/export`, token, name, 'vcf', 'contacts'),
  };
}
export type ContactsApi = ReturnType<typeof contactsApi>;
