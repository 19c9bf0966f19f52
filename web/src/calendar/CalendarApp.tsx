// The calendar screens: day, week and month views of the calendars one sees
// (one's own, shared ones, meeting rooms'), the event editor with
// recurrence, a meeting link and the room picker, event details with the
// meeting's join link, room administration, daily agenda reminders, sharing,
// and .ics import and export. Times show in this browser's time zone; events
// are saved in it too (the server keeps their wall-clock time and zone).
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { CalendarView, EventView, OccurrenceView } from '@parley/protocol';
import { api } from '../core/api.ts';
import { sessionToken, signedOut } from '../account/session.ts';
import { errorText } from '../i18n/errors.ts';
import { formatTime, formatWith } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';
import { Icon, IconButton, StatusIcon } from '../ui/icons.tsx';
import { calendarApi } from './api.ts';
import { CalendarStore } from './store.ts';
import { addDays, dateText, HOUR_PX, nextHour, WORKDAY_START_HOUR, ZONE } from './dates.ts';
import { EventEditor, OccurrenceEditor } from './EventEditor.tsx';
import { EventDetails } from './EventDetails.tsx';
import { Reminders, RoomsAdmin, ShareCalendar } from './CalendarAdmin.tsx';
import { FindEvents, Trash } from './FindAndTrash.tsx';
import { dueReminders, useEventReminders } from './alarms.tsx';
import { CalendarSettings } from './CalendarSettings.tsx';
import { ChevronLeft as ChevronLeftIcon, ChevronRight as ChevronRightIcon, DoorClosed as DoorClosedIcon, Download as DownloadIcon, Menu as MenuIcon, Pencil as PencilIcon, Plus as PlusIcon, TriangleAlert as TriangleAlertIcon, Upload as UploadIcon, Users as UsersIcon, Video as VideoIcon, X as XIcon } from 'lucide';
import { useDrawer } from '../ui/drawer.ts';
import './calendar.css';

export function CalendarApp({ token }: { token: string }) {
  const cal = useMemo(() => calendarApi(token), [token]);
  const store = useMemo(() => new CalendarStore(token, cal), [token, cal]);
  useEffect(() => () => store.close(), [store]);
  const [dialog, setDialog] = useState<
    null | { kind: 'new'; start: Date; allDay?: boolean } | { kind: 'edit'; event: EventView } | { kind: 'details'; occ: OccurrenceView } | { kind: 'occurrence'; occ: OccurrenceView } | { kind: 'share'; calendar: CalendarView } | { kind: 'rooms' } | { kind: 'reminders' } | { kind: 'search' } | { kind: 'trash' } | { kind: 'settings'; calendar: CalendarView }
  >(null);
  /** On a phone the calendar list is a drawer over the view (see ui/drawer.css). */
  const [drawer, setDrawer] = useDrawer();
  const refresh = () => store.refresh();
  // The day and week grids open at working hours (07:00 at the top), not at midnight, and show now as a line, moved each minute.
  const grid = useRef<HTMLDivElement>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  const gridView = store.view.value === 'day' || store.view.value === 'week';
  useEffect(() => {
    if (gridView && grid.current) grid.current.scrollTop = WORKDAY_START_HOUR * HOUR_PX;
  }, [gridView, Boolean(store.orgs.value)]);
  /** After an event is saved the view shows it (its day, week or month), reloaded. */
  const showSaved = (start?: Date) => {
    if (start && !Number.isNaN(start.getTime())) store.anchor.value = start;
    refresh();
  };
  const setNotice = (text: string | null) => (store.notice.value = text);
  useEventReminders(cal, store.orgId.value ?? undefined, store.calendars.value, store.occurrences.value);
  const orgs = store.orgs.value;
  const notice = store.notice.value;
  const meId = store.meId.value;
  const calendars = store.calendars.value;
  const hidden = store.hidden.value;
  const view = store.view.value;
  const anchor = store.anchor.value;
  const occurrences = store.occurrences.value;
  const days = store.days.value;

  if (!orgs) return <div class="message-page dim">{notice ?? t('calendar.loading')}</div>;
  const org = store.org.value;
  if (!org) {
    return (
      <div class="message-page">
        <h1>{t('calendar.noOrg.title')}</h1>
        <a href="/chat">{t('calendar.noOrg.chatLink')}</a>
      </div>
    );
  }
  const manager = org.role === 'legal' || org.role === 'admin';
  const writable = store.writable.value;
  const rooms = new Map(store.rooms.value.map((r) => [r.id, r]));
  const colorOf = new Map(calendars.map((c) => [c.id, c.color]));
  const title =
    view === 'month'
      ? formatWith(anchor, { month: 'long', year: 'numeric' })
      : view === 'week' || view === 'agenda'
        ? t('calendar.title.week', { from: formatWith(days[0]!, { day: 'numeric', month: 'short' }), to: formatWith(days.at(-1)!, { day: 'numeric', month: 'short', year: 'numeric' }) })
        : formatWith(anchor, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  // A room's booking whose event the reader may not see: the server calls it "Busy".
  const shownTitle = (o: OccurrenceView) => (o.private ? t('calendar.occurrence.busy') : o.title);
  const chip = (o: OccurrenceView, style?: Record<string, string>) => (
    <button
      type="button"
      key={`${o.calendarId}-${o.eventId}-${o.recurrenceId}`}
      class={`occurrence${o.allDay ? ' all-day' : ''}${o.conflict ? ' conflict' : ''}`}
      style={{ borderLeftColor: colorOf.get(o.calendarId) ?? 'var(--accent)', ...style }}
      data-testid="occurrence"
      data-title={o.title}
      title={shownTitle(o)}
      onClick={(e) => {
        e.stopPropagation();
        setDialog({ kind: 'details', occ: o });
      }}
    >
      {o.conflict && <StatusIcon icon={TriangleAlertIcon} label={t('calendar.occurrence.conflict')} size={12} class="occ-icon" />}
      {!o.allDay && <span class="occ-time">{formatTime(o.startAt, ZONE)}</span>} {shownTitle(o)}
      {o.meetingUrl && (
        <>
          {' '}
          <StatusIcon icon={VideoIcon} label={t('calendar.occurrence.hasMeeting')} size={12} noTitle class="occ-icon" />
        </>
      )}
      {o.roomId && (
        <>
          {' '}
          <StatusIcon icon={DoorClosedIcon} label={t('calendar.occurrence.hasRoom')} size={12} noTitle class="occ-icon" />
        </>
      )}
    </button>
  );
  const onDay = (d: Date) => occurrences.filter((o) => o.startAt < addDays(d, 1).getTime() && (o.endAt > d.getTime() || (o.endAt === o.startAt && o.startAt >= d.getTime())));

  return (
    <div class={`cal-app drawer-layout${drawer ? ' drawer-open' : ''}`} data-testid="calendar-app">
      {drawer && <button type="button" class="drawer-scrim" aria-label={t('calendar.sidebar.close')} data-testid="drawer-scrim" onClick={() => setDrawer(false)} />}
      <nav class="sidebar" data-testid="sidebar">
        <header class="org-head">
          <strong>{org.name}</strong>
          {orgs.length > 1 && (
            <select aria-label={t('calendar.sidebar.organization')} value={org.id} onChange={(e) => (store.orgId.value = (e.target as HTMLSelectElement).value)}>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          )}
        </header>
        <button
          type="button"
          class="primary"
          data-testid="new-event"
          disabled={!writable.length}
          onClick={() => {
            setDrawer(false);
            setDialog({ kind: 'new', start: nextHour() });
          }}
        >
          {t('calendar.sidebar.newEvent')}
        </button>
        <div class="side-section">
          <span class="side-title">{t('calendar.sidebar.calendars')}</span>
          <IconButton
            icon={PlusIcon}
            label={t('calendar.sidebar.newCalendar')}
            size={16}
            data-testid="new-calendar"
            onClick={async () => {
              const name = prompt(t('calendar.sidebar.newCalendarPrompt'));
              if (name?.trim()) {
                await store.createCalendar(name.trim());
              }
            }}
          />
        </div>
        <ul class="channel-list" data-testid="calendar-list">
          {calendars.map((c) => (
            <li key={c.id} class="cal-entry" data-testid="calendar-entry" data-calendar-name={c.name} data-access={c.access}>
              <label>
                <input
                  type="checkbox"
                  checked={!hidden.has(c.id)}
                  style={{ accentColor: c.color }}
                  onChange={() => store.toggleHidden(c.id, !hidden.has(c.id))}
                />
                <span class="with-icon">
                  {c.roomId && (
                    <StatusIcon icon={DoorClosedIcon} label={t('calendar.sidebar.roomCalendar')} size={14} noTitle />
                  )}
                  {c.name}
                </span>
                {c.access !== 'owner' && c.access !== 'room' && <span class="dim small">{c.access === 'read' ? t('calendar.sidebar.sharedRead') : t('calendar.sidebar.shared')}</span>}
              </label>
              <span class="cal-tools">
                {c.access === 'owner' && (
                  <>
                    <IconButton icon={PencilIcon} label={t('calendar.sidebar.edit', { calendar: c.name })} size={16} data-testid="edit-calendar" onClick={() => setDialog({ kind: 'settings', calendar: c })} />
                    <IconButton icon={UsersIcon} label={t('calendar.sidebar.share', { calendar: c.name })} size={16} data-testid="share-calendar" onClick={() => setDialog({ kind: 'share', calendar: c })} />
                  </>
                )}
                {(c.access === 'owner' || c.access === 'write') && (
                  <label class="icon-btn" title={t('calendar.sidebar.import', { calendar: c.name })}>
                    <Icon icon={UploadIcon} size={16} />
                    <input
                      type="file"
                      accept=".ics,text/calendar"
                      class="sr-only"
                      aria-label={t('calendar.sidebar.import', { calendar: c.name })}
                      data-testid="import-ics"
                      onChange={async (e) => {
                        const input = e.target as HTMLInputElement;
                        const file = input.files?.[0];
                        input.value = '';
                        if (!file) return;
                        try {
                          // An attendee's answer (their mail program's reply file) updates the invitation; anything else is imported.
                          if (/^METHOD:REPLY\r?$/m.test(await file.slice(0, 4096).text())) {
                            const r = await cal.importReply(c.id, file);
                            setNotice(t('calendar.import.answered', r));
                            return;
                          }
                          const r = await cal.importIcs(c.id, file);
                          setNotice(t('calendar.import.done', { count: r.imported, calendar: c.name }));
                          refresh();
                        } catch (err) {
                          setNotice(importFailure(err));
                        }
                      }}
                    />
                  </label>
                )}
                <IconButton icon={DownloadIcon} label={t('calendar.sidebar.export', { calendar: c.name })} size={16} data-testid="export-ics" onClick={() => void cal.exportIcs(c.id, c.name).catch((e: unknown) => setNotice(errorText(e)))} />
              </span>
            </li>
          ))}
        </ul>
        <button type="button" class="side-action" data-testid="open-rooms" onClick={() => setDialog({ kind: 'rooms' })}>
          {t('calendar.sidebar.rooms')}
        </button>
        <button type="button" class="side-action" data-testid="open-reminders" onClick={() => setDialog({ kind: 'reminders' })}>
          {t('calendar.sidebar.reminders')}
        </button>
        <button type="button" class="side-action" data-testid="open-search" onClick={() => setDialog({ kind: 'search' })}>
          {t('calendar.search.title')}
        </button>
        <button type="button" class="side-action" data-testid="open-trash" onClick={() => setDialog({ kind: 'trash' })}>
          {t('calendar.trash.title')}
        </button>
        <footer class="me-box">
          <a href="/chat" data-testid="go-chat">
            {t('calendar.sidebar.chat')}
          </a>
          <a href="/contacts" data-testid="go-contacts">
            {t('calendar.sidebar.contacts')}
          </a>
          <span class="dim small" title={t('calendar.sidebar.timeZone')}>
            {ZONE}
          </span>
          <button type="button" class="link" onClick={() => void api.logout(sessionToken.value!).finally(signedOut)}>
            {t('calendar.sidebar.signOut')}
          </button>
        </footer>
      </nav>

      <main class="cal-main">
        <header class="cal-toolbar">
          <IconButton icon={MenuIcon} class="drawer-toggle" label={t('calendar.sidebar.open')} data-testid="open-drawer" onClick={() => setDrawer(true)} />
          <button type="button" class="side-action" onClick={() => (store.anchor.value = new Date())}>
            {t('calendar.toolbar.today')}
          </button>
          <IconButton icon={ChevronLeftIcon} label={t('calendar.toolbar.previous', { view })} size={18} data-testid="cal-prev" onClick={() => store.step(-1)} />
          <IconButton icon={ChevronRightIcon} label={t('calendar.toolbar.next', { view })} size={18} data-testid="cal-next" onClick={() => store.step(1)} />
          <h2 data-testid="cal-title">{title}</h2>
          <span class="cal-views" role="group" aria-label={t('calendar.toolbar.views')}>
            {(['day', 'week', 'month', 'agenda'] as const).map((v) => (
              <button type="button" key={v} class={v === view ? 'active' : ''} aria-pressed={v === view} data-testid={`view-${v}`} onClick={() => (store.view.value = v)}>
                {t('calendar.toolbar.view', { view: v })}
              </button>
            ))}
          </span>
          <Preferences sessionToken={token} />
        </header>
        {notice && (
          <p class="hint" data-testid="cal-notice" onClick={() => setNotice(null)}>
            {notice}
          </p>
        )}
        {view === 'agenda' ? (
          <Agenda days={days} onDay={onDay} chip={chip} />
        ) : view === 'month' ? (
          <div class="month-grid" data-testid="month-grid">
            {days.slice(0, 7).map((d) => (
              <div class="month-head" key={d.getDay()}>
                {formatWith(d, { weekday: 'short' })}
              </div>
            ))}
            {days.map((d) => (
              <div
                key={d.getTime()}
                class={`month-day${d.getMonth() !== anchor.getMonth() ? ' other' : ''}${dateText(d) === dateText(new Date()) ? ' today' : ''}`}
                data-date={dateText(d)}
                onDblClick={() => writable.length && setDialog({ kind: 'new', start: new Date(d.getFullYear(), d.getMonth(), d.getDate(), 9) })}
              >
                <span class="day-number">{formatWith(d, { day: 'numeric' })}</span>
                {onDay(d).map((o) => chip(o))}
              </div>
            ))}
          </div>
        ) : (
          <div class={`time-grid cols-${days.length}`} data-testid={`${view}-grid`} ref={grid}>
            <div class="tg-corner" />
            {days.map((d) => (
              <div key={d.getTime()} class={`tg-head${dateText(d) === dateText(new Date()) ? ' today' : ''}`}>
                {formatWith(d, { weekday: 'short', day: 'numeric', month: 'short' })}
                <div class="tg-allday">{onDay(d).filter((o) => o.allDay).map((o) => chip(o))}</div>
              </div>
            ))}
            <div class="tg-hours">
              {Array.from({ length: 24 }, (_, h) => (
                <div key={h} class="tg-hour" style={{ height: `${HOUR_PX}px` }}>
                  {formatTime(new Date(2000, 0, 1, h))}
                </div>
              ))}
            </div>
            {days.map((d) => (
              <div
                key={d.getTime()}
                class="tg-col"
                data-date={dateText(d)}
                style={{ height: `${24 * HOUR_PX}px` }}
                onClick={(e) => {
                  if (!writable.length) return;
                  const y = e.offsetY;
                  setDialog({ kind: 'new', start: new Date(d.getFullYear(), d.getMonth(), d.getDate(), Math.floor(y / HOUR_PX)) });
                }}
              >
                {now >= d.getTime() && now < addDays(d, 1).getTime() && (
                  <div class="now-line" data-testid="now-line" style={{ top: `${((now - d.getTime()) / 3_600_000) * HOUR_PX}px` }} aria-hidden="true" />
                )}
                {lanes(onDay(d).filter((o) => !o.allDay)).map(({ o, lane, of }) => {
                  const top = Math.max(0, (o.startAt - d.getTime()) / 3_600_000) * HOUR_PX;
                  const bottom = Math.min(24, (o.endAt - d.getTime()) / 3_600_000) * HOUR_PX;
                  return chip(o, { position: 'absolute', top: `${top}px`, height: `${Math.max(18, bottom - top)}px`, left: `calc(${(100 * lane) / of}% + 2px)`, width: `calc(${100 / of}% - 4px)` });
                })}
              </div>
            ))}
          </div>
        )}
      </main>

      {dialog?.kind === 'new' && (
        <EventEditor cal={cal} token={token} meId={meId} orgId={org.id} calendars={writable} start={dialog.start} close={() => setDialog(null)} saved={showSaved} />
      )}
      {dialog?.kind === 'edit' && <EventEditor cal={cal} token={token} meId={meId} orgId={org.id} calendars={writable} event={dialog.event} close={() => setDialog(null)} saved={showSaved} />}
      {dialog?.kind === 'details' && (
        <EventDetails
          cal={cal}
          occ={dialog.occ}
          meId={meId}
          rooms={rooms}
          canWrite={writable.some((c) => c.id === dialog.occ.calendarId)}
          close={() => setDialog(null)}
          edit={(event) => setDialog({ kind: 'edit', event })}
          editOne={(occ) => setDialog({ kind: 'occurrence', occ })}
          changed={refresh}
        />
      )}
      {dialog?.kind === 'occurrence' && <OccurrenceEditor cal={cal} occ={dialog.occ} close={() => setDialog(null)} saved={refresh} />}
      {dialog?.kind === 'share' && <ShareCalendar cal={cal} token={token} orgId={org.id} meId={meId} calendar={dialog.calendar} close={() => setDialog(null)} />}
      {dialog?.kind === 'rooms' && <RoomsAdmin cal={cal} orgId={org.id} manager={manager} close={() => setDialog(null)} changed={refresh} />}
      {dialog?.kind === 'settings' && <CalendarSettings cal={cal} calendar={dialog.calendar} close={() => setDialog(null)} changed={refresh} />}
      {dueReminders.value.length > 0 && (
        <div class="cal-reminders" role="status">
          {dueReminders.value.map((r) => (
            <div class="cal-reminder" key={r.key} data-testid="cal-reminder">
              <strong>{r.title}</strong>
              <span>{t('calendar.alarm.due', { time: formatTime(r.startAt, ZONE), minutes: r.minutes })}</span>
              <IconButton icon={XIcon} label={t('calendar.alarm.dismiss')} size={16} onClick={() => (dueReminders.value = dueReminders.value.filter((x) => x.key !== r.key))} />
            </div>
          ))}
        </div>
      )}
      {dialog?.kind === 'search' && <FindEvents cal={cal} orgId={org.id} calendars={calendars} show={showSaved} close={() => setDialog(null)} />}
      {dialog?.kind === 'trash' && <Trash cal={cal} orgId={org.id} calendars={calendars} show={showSaved} close={() => setDialog(null)} />}
      {dialog?.kind === 'reminders' && <Reminders cal={cal} orgId={org.id} calendars={calendars.filter((c) => !c.roomId)} close={() => setDialog(null)} />}
    </div>
  );
}

/** The agenda: the days of the span that have events, one under the other, each event on its own line (a phone's view). */
function Agenda({ days, onDay, chip }: { days: Date[]; onDay: (d: Date) => OccurrenceView[]; chip: (o: OccurrenceView) => ComponentChildren }) {
  const shown = days.map((d) => ({ d, list: onDay(d) })).filter((x) => x.list.length > 0);
  return (
    <div class="agenda" data-testid="agenda">
      {shown.length === 0 && <p class="dim">{t('calendar.agenda.empty')}</p>}
      {shown.map(({ d, list }) => (
        <section key={d.getTime()} class={`agenda-day${dateText(d) === dateText(new Date()) ? ' today' : ''}`} data-date={dateText(d)}>
          <h3>{formatWith(d, { weekday: 'long', day: 'numeric', month: 'long' })}</h3>
          {list.map((o) => chip(o))}
        </section>
      ))}
    </div>
  );
}

/** The notice for an .ics file refused: for a file that cannot be read, the line the server names (its words: technical, not a sentence). */
function importFailure(err: unknown): string {
  if ((err as { code?: string }).code === 'INVALID_ICS' && err instanceof Error && err.message) return t('calendar.import.invalid', { detail: err.message });
  return t('calendar.import.failed', { reason: errorText(err) });
}

/**
 * Side by side: overlapping events share their column in lanes. A group of
 * events that overlap one another (directly or through others) has as many
 * lanes as it needs at most; each event takes the first free lane.
 */
function lanes(list: OccurrenceView[]): { o: OccurrenceView; lane: number; of: number }[] {
  const sorted = [...list].sort((a, b) => a.startAt - b.startAt || b.endAt - a.endAt);
  const out: { o: OccurrenceView; lane: number; of: number }[] = [];
  let group: { o: OccurrenceView; lane: number; of: number }[] = [];
  let groupEnd = -Infinity;
  let laneEnds: number[] = [];
  const close = () => {
    for (const g of group) g.of = laneEnds.length;
    out.push(...group);
    group = [];
    laneEnds = [];
  };
  for (const o of sorted) {
    if (o.startAt >= groupEnd) close();
    // Zero-length events still take a sliver of time on screen.
    const end = Math.max(o.endAt, o.startAt + 15 * 60_000);
    let lane = laneEnds.findIndex((e) => e <= o.startAt);
    if (lane < 0) lane = laneEnds.push(end) - 1;
    else laneEnds[lane] = end;
    group.push({ o, lane, of: 1 });
    groupEnd = Math.max(groupEnd, end);
  }
  close();
  return out;
}

