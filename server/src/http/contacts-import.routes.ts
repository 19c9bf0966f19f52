// HTTP edge of contacts' import: a file of vCards or CSV as the request's
// body (read as it arrives, never whole before it is checked), first
// previewed (how many cards, the CSV's columns and a guess of each one's
// field), then imported into a book as the person chose to read it. The
// session is checked before the body is read; limits and refusals are the
// reader's (import-read.ts), the rules Contacts'.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IdSchema, IMPORT_LIMITS, ImportPreviewQuery, ImportQuery, type ContactBody, type ImportPreview } from '@parley/protocol';
import type { Accounts } from '../accounts/Accounts.ts';
import type { Contacts } from '../suite/contacts/Contacts.ts';
import { guessMapping, parseMapping, rowToCard } from '../suite/contacts/import-csv.ts';
import { InvalidImport, readCsv, readVcards } from '../suite/contacts/import-read.ts';
import type { JCardProperty } from '../suite/contacts/store.ts';
import { requireSession, sessionFirst } from './session.ts';

const BookParams = Type.Object({ bookId: IdSchema }, { additionalProperties: false });

export function registerContactImportRoutes(parent: FastifyInstance, deps: { accounts: Accounts; contacts: Contacts }): void {
  parent.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    // The body is the file, as a stream (any type: text/csv, text/vcard, what a browser says of a .vcf).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    const { accounts, contacts } = deps;
    const auth = sessionFirst(accounts);
    const me = async (req: Parameters<typeof requireSession>[1]) => (await requireSession(accounts, req)).user.id;
    const file = (body: unknown): AsyncIterable<Buffer> => {
      if (!body || typeof (body as AsyncIterable<Buffer>)[Symbol.asyncIterator] !== 'function') throw new InvalidImport('no file: send it as the request body');
      return body as AsyncIterable<Buffer>;
    };

    app.post('/api/contacts/import/preview', { onRequest: auth, bodyLimit: IMPORT_LIMITS.bytes, schema: { querystring: ImportPreviewQuery } }, async (req): Promise<{ preview: ImportPreview }> => {
      await me(req);
      if (req.query.format === 'vcard') {
        const cards = await readVcards(file(req.body));
        return { preview: { format: 'vcard', count: cards.length, names: cards.slice(0, IMPORT_LIMITS.previewRows).map((c) => c.card.body.displayName ?? [c.card.body.givenName, c.card.body.familyName].filter(Boolean).join(' ')) } };
      }
      const { rows, separator } = await readCsv(file(req.body), { separator: req.query.separator });
      const header = rows[0]!.cells;
      return { preview: { format: 'csv', count: rows.length - 1, separator, header, rows: rows.slice(1, 1 + IMPORT_LIMITS.previewRows).map((r) => r.cells), mapping: guessMapping(header) } };
    });

    app.post('/api/contacts/books/:bookId/import', { onRequest: auth, bodyLimit: IMPORT_LIMITS.bytes, schema: { params: BookParams, querystring: ImportQuery } }, async (req, reply) => {
      const userId = await me(req);
      // Another person's book, or one shared to read only, is refused before its file is read.
      await contacts.writableBook(userId, req.params.bookId);
      const q = req.query;
      let cards: { line: number; body: ContactBody; extra?: JCardProperty[]; uid?: string }[];
      if (q.format === 'vcard') {
        cards = (await readVcards(file(req.body))).map(({ line, card }) => ({ line, body: card.body, extra: card.extra, ...(card.uid ? { uid: card.uid } : {}) }));
      } else {
        const { rows } = await readCsv(file(req.body), { separator: q.separator });
        const header = q.header !== 'no';
        const mapping = q.mapping !== undefined ? parseMapping(q.mapping) : header ? guessMapping(rows[0]!.cells) : undefined;
        if (!mapping?.some(Boolean)) throw new InvalidImport('mapping: say which column holds what (no column is read as any field)');
        const first = Math.max(Number(q.firstLine ?? 1), header ? rows[0]!.line + 1 : 1);
        cards = [];
        for (const r of rows) {
          if (r.line < first || (header && r === rows[0])) continue;
          cards.push({ line: r.line, body: rowToCard(r.cells, mapping, r.line) });
          // Read in slices: a file of 10,000 rows does not hold meetings and chat still.
          if (cards.length % 200 === 0) await new Promise((done) => setImmediate(done));
        }
        if (!cards.length) throw new InvalidImport('no row to import from that line on');
      }
      const group = q.group ?? `Import ${new Date().toISOString().slice(0, 10)}`;
      return reply.code(201).send({ result: await contacts.importCards(userId, req.params.bookId, cards, { group, skipNameOnly: q.skipNameOnly === 'yes' }) });
    });
  });
}
