// GET /api/changes: a stream of server-sent events, one `data:` line of JSON
// per note. A note names what changed, never what it holds: the page asks
// for that through the usual routes, with its own session.

/**
 * `calendar` / `contacts`: that calendar or address book changed (its
 * events or cards, its name, colour or sharing), by whatever means: the
 * web, a device over CalDAV/CardDAV, an import, the trash. `resync`: notes
 * may have been missed (the server lost its database connection a while):
 * read again whatever is shown.
 */
export type ChangeNote = { kind: 'calendar' | 'contacts'; id: string } | { kind: 'resync' };
