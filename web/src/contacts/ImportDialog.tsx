// Importing a file of contacts, as the seeds describe it: a vCard or CSV
// file is read by the server first (how many contacts, and for a CSV its
// columns, a few rows and a guess of what each column is); the person picks
// the book (or makes one), and for a CSV the separator, whether the first
// row names the columns, the first line to import and each column's field.
// The import is all or nothing: a refusal names the line to fix.
import { useState } from 'preact/hooks';
import { CSV_FIELDS, type AddressBookView, type CsvField, type ImportPreview, type ImportResult } from '@parley/protocol';
import { ApiError, call } from '../core/api.ts';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';

const SEPARATORS = [',', ';', '\t', '|'] as const;
const NEW_BOOK = '';

const post = <T,>(url: string, file: File, token: string): Promise<T> => call<T>('POST', url, file, token);

/** A refusal as the person reads it: the line to fix when the server names one. */
const refusal = (e: unknown) => (e instanceof ApiError && e.code === 'INVALID_IMPORT' && e.message ? t('contacts.import.invalid', { detail: e.message }) : errorText(e));

export function ImportDialog(p: { token: string; books: AddressBookView[]; bookId: string | null; createBook: (name: string) => Promise<AddressBookView>; close: () => void; done: (bookId: string, result: ImportResult) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [separator, setSeparator] = useState<string | undefined>(undefined);
  const [header, setHeader] = useState(true);
  const [firstLine, setFirstLine] = useState(2);
  const [mapping, setMapping] = useState<(CsvField | '')[]>([]);
  const [target, setTarget] = useState(p.bookId ?? NEW_BOOK);
  const [newName, setNewName] = useState('');
  const [skipNameOnly, setSkipNameOnly] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const format = (f: File) => (/\.(vcf|vcard)$/i.test(f.name) || /vcard/.test(f.type) ? 'vcard' : 'csv');

  const read = async (f: File, sep?: string) => {
    setBusy(true);
    setError(null);
    try {
      const { preview: pv } = await post<{ preview: ImportPreview }>(`/api/contacts/import/preview?format=${format(f)}${sep ? `&separator=${encodeURIComponent(sep)}` : ''}`, f, p.token);
      setPreview(pv);
      setSeparator(pv.separator);
      setMapping(pv.mapping ?? []);
    } catch (e) {
      setPreview(null);
      setError(refusal(e));
    } finally {
      setBusy(false);
    }
  };

  const run = async () => {
    if (!file || !preview) return;
    setBusy(true);
    setError(null);
    try {
      const bookId = target === NEW_BOOK ? (await p.createBook(newName.trim() || file.name.replace(/\.[^.]+$/, ''))).id : target;
      // The date as YYYY-MM-DD in this browser's day (Swedish writes it so): no comma, which would split a group in a vCard's CATEGORIES.
      const group = t('contacts.import.group', { date: new Date().toLocaleDateString('sv') }).slice(0, 64);
      const q = new URLSearchParams({ format: preview.format, group, skipNameOnly: skipNameOnly ? 'yes' : 'no' });
      if (preview.format === 'csv') {
        q.set('separator', separator ?? ',');
        q.set('header', header ? 'yes' : 'no');
        q.set('firstLine', String(firstLine));
        q.set('mapping', mapping.join(','));
      }
      const { result } = await post<{ result: ImportResult }>(`/api/contacts/books/${encodeURIComponent(bookId)}/import?${q}`, file, p.token);
      p.done(bookId, result);
    } catch (e) {
      setError(refusal(e));
    } finally {
      setBusy(false);
    }
  };

  const columns = preview?.header ?? [];
  return (
    <Dialog title={t('contacts.import.title')} close={p.close} wide>
      <form
        class="dialog-form import-form"
        data-testid="import-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label>
          {t('contacts.import.file')}
          <input
            type="file"
            accept=".vcf,.vcard,.csv,text/vcard,text/csv"
            data-testid="import-file"
            onChange={(e) => {
              const f = (e.target as HTMLInputElement).files?.[0] ?? null;
              setFile(f);
              setPreview(null);
              if (f) void read(f);
            }}
          />
        </label>
        <p class="dim small">{t('contacts.import.limits')}</p>
        {preview && (
          <>
            <p class="import-count" role="status" data-testid="import-count">
              {t('contacts.import.count', { count: preview.count })}
            </p>
            <label>
              {t('contacts.import.into')}
              <select data-testid="import-book" value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
                {p.books.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.name}
                  </option>
                ))}
                <option value={NEW_BOOK}>{t('contacts.import.newBook')}</option>
              </select>
            </label>
            {target === NEW_BOOK && (
              <label>
                {t('contacts.import.newBookName')}
                <input data-testid="import-book-name" value={newName} placeholder={file?.name.replace(/\.[^.]+$/, '')} onInput={(e) => setNewName((e.target as HTMLInputElement).value)} />
              </label>
            )}
            {preview.format === 'csv' && (
              <>
                <div class="row">
                  <label>
                    {t('contacts.import.separator')}
                    <select
                      data-testid="import-separator"
                      value={separator}
                      onChange={(e) => {
                        const sep = (e.target as HTMLSelectElement).value;
                        setSeparator(sep);
                        if (file) void read(file, sep);
                      }}
                    >
                      {SEPARATORS.map((s) => (
                        <option key={s} value={s}>
                          {t(`contacts.import.sep.${s === '\t' ? 'tab' : s === ',' ? 'comma' : s === ';' ? 'semicolon' : 'bar'}`)}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label>
                    {t('contacts.import.firstLine')}
                    <input type="number" min={1} max={10000} value={firstLine} data-testid="import-first-line" onInput={(e) => setFirstLine(Math.max(1, Number((e.target as HTMLInputElement).value) || 1))} />
                  </label>
                </div>
                <label class="check">
                  <input
                    type="checkbox"
                    checked={header}
                    data-testid="import-header"
                    onChange={(e) => {
                      const on = (e.target as HTMLInputElement).checked;
                      setHeader(on);
                      setFirstLine(on ? 2 : 1);
                    }}
                  />
                  {t('contacts.import.header')}
                </label>
                <fieldset class="contact-lines import-mapping" data-testid="import-mapping">
                  <legend>{t('contacts.import.mapping')}</legend>
                  {columns.map((name, i) => (
                    <div class="import-column" key={i}>
                      <div class="import-column-text">
                        <strong>{header ? name || t('contacts.import.column', { n: i + 1 }) : t('contacts.import.column', { n: i + 1 })}</strong>
                        <span class="dim small">{[...(header ? [] : [name]), ...(preview.rows ?? []).map((r) => r[i] ?? '')].filter(Boolean).slice(0, 3).join(' · ')}</span>
                      </div>
                      <select
                        aria-label={t('contacts.import.fieldOf', { column: name || String(i + 1) })}
                        data-testid={`import-field-${i}`}
                        value={mapping[i] ?? ''}
                        onChange={(e) => setMapping(columns.map((_, j) => (j === i ? ((e.target as HTMLSelectElement).value as CsvField | '') : (mapping[j] ?? ''))))}
                      >
                        <option value="">{t('contacts.import.skip')}</option>
                        {CSV_FIELDS.map((f) => (
                          <option key={f} value={f}>
                            {t(`contacts.field.${f}`)}
                          </option>
                        ))}
                      </select>
                    </div>
                  ))}
                </fieldset>
              </>
            )}
            <label class="check">
              <input type="checkbox" checked={skipNameOnly} data-testid="import-skip-name-only" onChange={(e) => setSkipNameOnly((e.target as HTMLInputElement).checked)} />
              {t('contacts.import.skipNameOnly')}
            </label>
          </>
        )}
        {error && (
          <p class="hint error" role="alert" data-testid="import-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" data-testid="import-run" disabled={busy || !preview || (preview.format === 'csv' && !mapping.some(Boolean))}>
          {preview ? t('contacts.import.run', { count: preview.count }) : t('contacts.import.title')}
        </button>
      </form>
    </Dialog>
  );
}
