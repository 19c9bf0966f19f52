// Finding events by their words, and the trash of deleted events (kept 30
// days): two dialogs of the calendar's sidebar. A found event shows its
// week; a restored one too. The server checks every action.
import { useEffect, useState } from 'preact/hooks';
import type { CalendarView, EventView, TrashedEventView } from '@parley/protocol';
import { errorText } from '../i18n/errors.ts';
import { formatDate, formatDateTime } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import type { CalendarApi } from './api.ts';

/** A wall-clock start (YYYY-MM-DD[THH:MM]) as a date in this browser, to show and to go to. */
const wallDate = (local: string) => new Date(local.length === 10 ? `${local}T12:00` : local);

export function FindEvents({ cal, orgId, calendars, show, close }: { cal: CalendarApi; orgId: string; calendars: CalendarView[]; show: (start: Date) => void; close: () => void }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<EventView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const name = (id: string) => calendars.find((c) => c.id === id)?.name ?? '';
  return (
    <Dialog title={t('calendar.search.title')} close={close} wide>
      <form
        class="dialog-form"
        data-testid="event-search"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          if (!q.trim()) return;
          void cal.searchEvents(orgId, q.trim()).then(setFound, (err: unknown) => setError(errorText(err)));
        }}
      >
        <div class="row">
          <label>
            {t('calendar.search.label')}
            <input type="search" data-testid="event-search-input" value={q} maxLength={100} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="primary" data-testid="event-search-go">
            {t('calendar.search.go')}
          </button>
        </div>
        <p class="dim small">{t('calendar.search.hint')}</p>
        {error && <p class="hint error">{error}</p>}
        {found?.length === 0 && <p class="dim">{t('calendar.search.none')}</p>}
        {found && found.length > 0 && (
          <ul class="room-list">
            {found.map((e) => (
              <li key={e.id}>
                <button
                  type="button"
                  class="link found-event"
                  data-testid="event-found"
                  onClick={() => {
                    show(wallDate(e.start));
                    close();
                  }}
                >
                  <strong>{e.title}</strong>
                  <span class="dim small">
                    {formatDate(wallDate(e.start), { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' })}
                    {e.rrule ? ` · ${t('calendar.search.repeats')}` : ''} · {name(e.calendarId)}
                    {e.location ? ` · ${e.location}` : ''}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </form>
    </Dialog>
  );
}

export function Trash({ cal, orgId, calendars, show, close }: { cal: CalendarApi; orgId: string; calendars: CalendarView[]; show: (start: Date) => void; close: () => void }) {
  const [list, setList] = useState<TrashedEventView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => void cal.trash(orgId).then(setList, (e: unknown) => setError(errorText(e)));
  useEffect(load, [orgId]);
  const name = (id: string) => calendars.find((c) => c.id === id)?.name ?? '';
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    }
    load();
  };
  return (
    <Dialog title={t('calendar.trash.title')} close={close} wide>
      <div class="dialog-form" data-testid="trash">
        <p class="dim small">{t('calendar.trash.intro')}</p>
        {error && (
          <p class="hint error" role="alert" data-testid="trash-error">
            {error}
          </p>
        )}
        {list?.length === 0 && <p class="dim">{t('calendar.trash.empty')}</p>}
        <ul class="room-list">
          {list?.map((e) => (
            <li key={e.id} data-testid="trash-row" data-title={e.title}>
              <span>
                <strong>{e.title}</strong>
                <span class="dim small">
                  {' '}
                  {formatDateTime(e.startAt)}
                  {e.recurring ? ` · ${t('calendar.search.repeats')}` : ''} · {name(e.calendarId)}
                </span>
                <br />
                <span class="dim small">{t('calendar.trash.deleted', { when: formatDateTime(e.deletedAt), who: e.deletedBy ?? '…', until: formatDate(e.purgeAt) })}</span>
              </span>
              <button
                type="button"
                class="primary"
                data-testid="trash-restore"
                onClick={() =>
                  void act(async () => {
                    const ev = await cal.restore(e.id);
                    show(wallDate(ev.start));
                  })
                }
              >
                {t('calendar.trash.restore')}
              </button>
              <button type="button" class="link" data-testid="trash-drop" onClick={() => confirm(t('calendar.trash.dropConfirm', { title: e.title })) && void act(() => cal.dropFromTrash(e.id))}>
                {t('calendar.trash.drop')}
              </button>
            </li>
          ))}
        </ul>
      </div>
    </Dialog>
  );
}
