// The calendar screens: day, week and month views of the calendars one sees
// (one's own, shared ones, meeting rooms'), the event editor with
// recurrence, a meeting link and the room picker, event details with the
// meeting's join link, room administration, daily agenda reminders, sharing,
// and .ics import and export. Times show in this browser's time zone; events
// are saved in it too (the server keeps their wall-clock time and zone).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { CalendarView, EventView, OccurrenceView, OrgMemberView, OrgView, ReminderView, RoomView } from '@parley/protocol';
import { api } from '../api.ts';
import { sessionToken, signedOut } from '../account/session.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { calendarApi, type CalendarApi } from './api.ts';
import { ownLink } from '../ui/links.ts';

type View = 'day' | 'week' | 'month';
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const HOUR_PX = 40;
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const RRULE_DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

const pad = (n: number) => String(n).padStart(2, '0');
const day0 = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
const monday = (d: Date) => addDays(day0(d), -((d.getDay() + 6) % 7));
const dateText = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const localText = (d: Date) => `${dateText(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
const hm = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The days a view shows around `anchor`. */
function span(view: View, anchor: Date): Date[] {
  const first = view === 'day' ? day0(anchor) : view === 'week' ? monday(anchor) : monday(new Date(anchor.getFullYear(), anchor.getMonth(), 1));
  return Array.from({ length: view === 'day' ? 1 : view === 'week' ? 7 : 42 }, (_, i) => addDays(first, i));
}

export function CalendarApp({ token }: { token: string }) {
  const cal = useMemo(() => calendarApi(token), [token]);
  const [orgs, setOrgs] = useState<OrgView[] | null>(null);
  const [meId, setMeId] = useState('');
  const [orgId, setOrgId] = useState<string | null>(null);
  const [calendars, setCalendars] = useState<CalendarView[]>([]);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [rooms, setRooms] = useState<RoomView[]>([]);
  const [view, setView] = useState<View>('week');
  const [anchor, setAnchor] = useState(() => new Date());
  const [occurrences, setOccurrences] = useState<OccurrenceView[]>([]);
  const [version, setVersion] = useState(0);
  const [dialog, setDialog] = useState<
    null | { kind: 'new'; start: Date; allDay?: boolean } | { kind: 'edit'; event: EventView } | { kind: 'details'; occ: OccurrenceView } | { kind: 'occurrence'; occ: OccurrenceView } | { kind: 'share'; calendar: CalendarView } | { kind: 'rooms' } | { kind: 'reminders' }
  >(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => setVersion((v) => v + 1);

  useEffect(() => {
    api.me(token).then(
      (r) => {
        setMeId(r.user.id);
        setOrgs(r.orgs);
        setOrgId(r.orgs[0]?.id ?? null);
      },
      (e: unknown) => {
        if ((e as { code?: string }).code === 'UNAUTHORIZED') signedOut();
        else setNotice(message(e));
      },
    );
  }, [token]);
  useEffect(() => {
    if (!orgId) return;
    void cal.calendars(orgId).then(setCalendars, (e: unknown) => setNotice(message(e)));
    void cal.rooms(orgId).then((r) => setRooms(r.rooms), () => setRooms([]));
  }, [orgId, version]);
  const days = span(view, anchor);
  const from = days[0]!.getTime();
  const to = addDays(days.at(-1)!, 1).getTime();
  const shown = calendars.filter((c) => !hidden.has(c.id)).map((c) => c.id);
  useEffect(() => {
    if (!orgId || !calendars.length) return;
    if (!shown.length) return setOccurrences([]);
    void cal.occurrences(orgId, from, to, shown).then(setOccurrences, (e: unknown) => setNotice(message(e)));
  }, [orgId, from, to, shown.join(','), version]);

  if (!orgs) return <div class="message-page dim">{notice ?? 'Loading…'}</div>;
  const org = orgs.find((o) => o.id === orgId);
  if (!org) {
    return (
      <div class="message-page">
        <h1>No organization yet</h1>
        <a href="/chat">Go to chat</a>
      </div>
    );
  }
  const manager = org.role === 'legal' || org.role === 'admin';
  const writable = calendars.filter((c) => c.access === 'owner' || c.access === 'write');
  const roomName = new Map(rooms.map((r) => [r.id, r.name]));
  const colorOf = new Map(calendars.map((c) => [c.id, c.color]));
  const title =
    view === 'month'
      ? anchor.toLocaleDateString([], { month: 'long', year: 'numeric' })
      : view === 'week'
        ? `${days[0]!.toLocaleDateString([], { day: 'numeric', month: 'short' })} – ${days[6]!.toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' })}`
        : anchor.toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const step = (n: number) =>
    setAnchor((a) => (view === 'day' ? addDays(a, n) : view === 'week' ? addDays(a, 7 * n) : new Date(a.getFullYear(), a.getMonth() + n, 1)));
  const chip = (o: OccurrenceView, style?: Record<string, string>) => (
    <button
      type="button"
      key={`${o.calendarId}-${o.eventId}-${o.recurrenceId}`}
      class={`occurrence${o.allDay ? ' all-day' : ''}`}
      style={{ borderLeftColor: colorOf.get(o.calendarId) ?? 'var(--accent)', ...style }}
      data-testid="occurrence"
      data-title={o.title}
      title={o.title}
      onClick={(e) => {
        e.stopPropagation();
        setDialog({ kind: 'details', occ: o });
      }}
    >
      {!o.allDay && <span class="occ-time">{hm(o.startAt)}</span>} {o.title}
      {o.meetingUrl && ' 📹'}
      {o.roomId && ' 🚪'}
    </button>
  );
  const onDay = (d: Date) => occurrences.filter((o) => o.startAt < addDays(d, 1).getTime() && (o.endAt > d.getTime() || (o.endAt === o.startAt && o.startAt >= d.getTime())));

  return (
    <div class="cal-app" data-testid="calendar-app">
      <nav class="sidebar">
        <header class="org-head">
          <strong>{org.name}</strong>
          {orgs.length > 1 && (
            <select aria-label="Organization" value={org.id} onChange={(e) => setOrgId((e.target as HTMLSelectElement).value)}>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          )}
        </header>
        <button type="button" class="primary" data-testid="new-event" disabled={!writable.length} onClick={() => setDialog({ kind: 'new', start: nextHour() })}>
          New event
        </button>
        <div class="side-section">
          <span class="side-title">Calendars</span>
          <button
            type="button"
            class="icon-btn"
            title="New calendar"
            data-testid="new-calendar"
            onClick={async () => {
              const name = prompt('Name of the new calendar');
              if (name?.trim()) {
                await cal.createCalendar(org.id, name.trim()).catch((e: unknown) => setNotice(message(e)));
                refresh();
              }
            }}
          >
            ＋
          </button>
        </div>
        <ul class="channel-list" data-testid="calendar-list">
          {calendars.map((c) => (
            <li key={c.id} class="cal-entry" data-testid="calendar-entry" data-calendar-name={c.name} data-access={c.access}>
              <label>
                <input
                  type="checkbox"
                  checked={!hidden.has(c.id)}
                  style={{ accentColor: c.color }}
                  onChange={() =>
                    setHidden((h) => {
                      const next = new Set(h);
                      if (next.has(c.id)) next.delete(c.id);
                      else next.add(c.id);
                      return next;
                    })
                  }
                />
                <span>{c.roomId ? `🚪 ${c.name}` : c.name}</span>
                {c.access !== 'owner' && c.access !== 'room' && <span class="dim small">({c.access === 'read' ? 'shared, read' : 'shared'})</span>}
              </label>
              <span class="cal-tools">
                {c.access === 'owner' && (
                  <button type="button" class="icon-btn" title="Share" data-testid="share-calendar" onClick={() => setDialog({ kind: 'share', calendar: c })}>
                    👥
                  </button>
                )}
                {(c.access === 'owner' || c.access === 'write') && (
                  <label class="icon-btn" title="Import an .ics file">
                    ⤒
                    <input
                      type="file"
                      accept=".ics,text/calendar"
                      hidden
                      data-testid="import-ics"
                      onChange={async (e) => {
                        const input = e.target as HTMLInputElement;
                        const file = input.files?.[0];
                        input.value = '';
                        if (!file) return;
                        try {
                          const r = await cal.importIcs(c.id, file);
                          setNotice(`${r.imported} event${r.imported === 1 ? '' : 's'} imported into ${c.name}.`);
                          refresh();
                        } catch (err) {
                          setNotice(`Nothing imported: ${message(err)}`);
                        }
                      }}
                    />
                  </label>
                )}
                <button type="button" class="icon-btn" title="Export as .ics" data-testid="export-ics" onClick={() => void cal.exportIcs(c.id, c.name).catch((e: unknown) => setNotice(message(e)))}>
                  ⤓
                </button>
              </span>
            </li>
          ))}
        </ul>
        <button type="button" class="side-action" data-testid="open-rooms" onClick={() => setDialog({ kind: 'rooms' })}>
          Meeting rooms
        </button>
        <button type="button" class="side-action" data-testid="open-reminders" onClick={() => setDialog({ kind: 'reminders' })}>
          Daily agenda
        </button>
        <footer class="me-box">
          <a href="/chat" data-testid="go-chat">
            Chat
          </a>
          <span class="dim small">{ZONE}</span>
          <button type="button" class="link" onClick={() => void api.logout(sessionToken.value!).finally(signedOut)}>
            Sign out
          </button>
        </footer>
      </nav>

      <main class="cal-main">
        <header class="cal-toolbar">
          <button type="button" class="side-action" onClick={() => setAnchor(new Date())}>
            Today
          </button>
          <button type="button" class="icon-btn" aria-label="Previous" data-testid="cal-prev" onClick={() => step(-1)}>
            ‹
          </button>
          <button type="button" class="icon-btn" aria-label="Next" data-testid="cal-next" onClick={() => step(1)}>
            ›
          </button>
          <h2 data-testid="cal-title">{title}</h2>
          <span class="cal-views">
            {(['day', 'week', 'month'] as const).map((v) => (
              <button type="button" key={v} class={v === view ? 'active' : ''} data-testid={`view-${v}`} onClick={() => setView(v)}>
                {v[0]!.toUpperCase() + v.slice(1)}
              </button>
            ))}
          </span>
        </header>
        {notice && (
          <p class="hint" data-testid="cal-notice" onClick={() => setNotice(null)}>
            {notice}
          </p>
        )}
        {view === 'month' ? (
          <div class="month-grid" data-testid="month-grid">
            {WEEKDAYS.map((w) => (
              <div class="month-head" key={w}>
                {w}
              </div>
            ))}
            {days.map((d) => (
              <div
                key={d.getTime()}
                class={`month-day${d.getMonth() !== anchor.getMonth() ? ' other' : ''}${dateText(d) === dateText(new Date()) ? ' today' : ''}`}
                data-date={dateText(d)}
                onDblClick={() => writable.length && setDialog({ kind: 'new', start: new Date(d.getFullYear(), d.getMonth(), d.getDate(), 9) })}
              >
                <span class="day-number">{d.getDate()}</span>
                {onDay(d).map((o) => chip(o))}
              </div>
            ))}
          </div>
        ) : (
          <div class={`time-grid cols-${days.length}`} data-testid={`${view}-grid`}>
            <div class="tg-corner" />
            {days.map((d) => (
              <div key={d.getTime()} class={`tg-head${dateText(d) === dateText(new Date()) ? ' today' : ''}`}>
                {d.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })}
                <div class="tg-allday">{onDay(d).filter((o) => o.allDay).map((o) => chip(o))}</div>
              </div>
            ))}
            <div class="tg-hours">
              {Array.from({ length: 24 }, (_, h) => (
                <div key={h} class="tg-hour" style={{ height: `${HOUR_PX}px` }}>
                  {pad(h)}:00
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
        <EventEditor cal={cal} token={token} meId={meId} orgId={org.id} calendars={writable} start={dialog.start} close={() => setDialog(null)} saved={refresh} />
      )}
      {dialog?.kind === 'edit' && <EventEditor cal={cal} token={token} meId={meId} orgId={org.id} calendars={writable} event={dialog.event} close={() => setDialog(null)} saved={refresh} />}
      {dialog?.kind === 'details' && (
        <EventDetails
          cal={cal}
          occ={dialog.occ}
          meId={meId}
          roomName={roomName}
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
      {dialog?.kind === 'reminders' && <Reminders cal={cal} orgId={org.id} calendars={calendars.filter((c) => !c.roomId)} close={() => setDialog(null)} />}
    </div>
  );
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

function nextHour(): Date {
  const d = new Date();
  return new Date(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours() + 1);
}

type Freq = '' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

/** The editor's recurrence choices read back from an RRULE the editor itself could have written; anything else is kept as text. */
function readRule(rrule: string | null): { freq: Freq; days: string[]; ends: 'never' | 'count' | 'until'; count: number; until: string; other: string | null } {
  const out = { freq: '' as Freq, days: [] as string[], ends: 'never' as 'never' | 'count' | 'until', count: 10, until: '', other: null as string | null };
  if (!rrule) return out;
  const parts = Object.fromEntries(rrule.split(';').map((p) => p.split('=') as [string, string]));
  const known = new Set(['FREQ', 'BYDAY', 'COUNT', 'UNTIL']);
  if (Object.keys(parts).some((k) => !known.has(k)) || (parts.BYDAY && parts.FREQ !== 'WEEKLY')) return { ...out, other: rrule };
  out.freq = parts.FREQ as Freq;
  out.days = parts.BYDAY ? parts.BYDAY.split(',') : [];
  if (parts.COUNT) Object.assign(out, { ends: 'count', count: Number(parts.COUNT) });
  if (parts.UNTIL) Object.assign(out, { ends: 'until', until: `${parts.UNTIL.slice(0, 4)}-${parts.UNTIL.slice(4, 6)}-${parts.UNTIL.slice(6, 8)}` });
  return out;
}

/** A dialog's save: busy while it runs, its error shown, and on success the view refreshed and the dialog closed. */
async function saveDialog(action: () => Promise<unknown>, ui: { setBusy: (b: boolean) => void; setError: (e: string | null) => void; saved: () => void; close: () => void }): Promise<void> {
  ui.setBusy(true);
  ui.setError(null);
  try {
    await action();
    ui.saved();
    ui.close();
  } catch (err) {
    ui.setError(message(err));
  } finally {
    ui.setBusy(false);
  }
}

function EventEditor({
  cal,
  token,
  meId,
  orgId,
  calendars,
  start,
  event,
  close,
  saved,
}: {
  cal: CalendarApi;
  token: string;
  meId: string;
  orgId: string;
  calendars: CalendarView[];
  start?: Date;
  event?: EventView;
  close: () => void;
  saved: () => void;
}) {
  const first = start ?? nextHour();
  const rule = readRule(event?.rrule ?? null);
  const [title, setTitle] = useState(event?.title ?? '');
  const [calendarId, setCalendarId] = useState(event?.calendarId ?? calendars[0]?.id ?? '');
  const [allDay, setAllDay] = useState(event?.allDay ?? false);
  const [from, setFrom] = useState(event ? event.start.slice(0, event.allDay ? 10 : 16) : localText(first));
  // All-day ends are exclusive on the wire; people pick the last day.
  const [until, setUntil] = useState(
    event ? (event.allDay ? dateText(addDays(new Date(`${event.end}T00:00`), -1)) : event.end.slice(0, 16)) : localText(new Date(first.getTime() + 3_600_000)),
  );
  const [location, setLocation] = useState(event?.location ?? '');
  const [description, setDescription] = useState(event?.description ?? '');
  const [attendees, setAttendees] = useState((event?.attendees ?? []).join(', '));
  const [freq, setFreq] = useState<Freq>(rule.freq);
  const [days, setDays] = useState<string[]>(rule.days);
  const [ends, setEnds] = useState(rule.ends);
  const [count, setCount] = useState(rule.count);
  const [untilDate, setUntilDate] = useState(rule.until);
  const [meeting, setMeeting] = useState(Boolean(event?.meetingUrl));
  // The meeting is the organizer's: they alone name who moderates it with them.
  const organizer = !event || event.organizerId === meId;
  const [moderatorIds, setModeratorIds] = useState<string[]>(event?.moderatorIds ?? []);
  const [members, setMembers] = useState<OrgMemberView[] | null>(null);
  useEffect(() => {
    if (!meeting || !organizer || members) return;
    void api.orgMembers(orgId, token).then(
      (r) => setMembers(r.members.filter((m) => m.id !== meId && !m.isBot)),
      () => setMembers([]),
    );
  }, [meeting]);
  const [roomId, setRoomId] = useState<string | null>(event?.roomId ?? null);
  const [capacity, setCapacity] = useState(2);
  const [free, setFree] = useState<(RoomView & { recent: boolean })[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const startDate = () => (allDay ? new Date(`${from}T00:00`) : new Date(from));
  /** The start's weekday as RRULE names it (MO..SU): a weekly event always happens on it first. */
  const startDay = (): string | undefined => {
    const d = startDate();
    return Number.isNaN(d.getTime()) ? undefined : RRULE_DAYS[(d.getDay() + 6) % 7];
  };
  const endDate = () => (allDay ? addDays(new Date(`${until}T00:00`), 1) : new Date(until));
  const rrule = (): string | null => {
    if (rule.other && freq === rule.freq) return rule.other;
    if (!freq) return null;
    const parts = [`FREQ=${freq}`];
    if (freq === 'WEEKLY' && days.length) parts.push(`BYDAY=${RRULE_DAYS.filter((d) => days.includes(d)).join(',')}`);
    if (ends === 'count') parts.push(`COUNT=${count}`);
    // The last second of the chosen day, in this browser's zone, as UTC.
    if (ends === 'until' && untilDate) parts.push(`UNTIL=${new Date(`${untilDate}T23:59:59`).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`);
    return parts.join(';');
  };

  return (
    <Dialog title={event ? 'Edit event' : 'New event'} close={close} wide>
      <form
        class="dialog-form"
        data-testid="event-editor"
        onSubmit={async (e) => {
          e.preventDefault();
          // RFC 5545 makes the start the first occurrence whatever the days say: a start on a day
          // not chosen would be a stray first meeting.
          const first = startDay();
          if (freq === 'WEEKLY' && days.length && first && !days.includes(first) && !(rule.other && freq === rule.freq)) {
            setError(`The event starts on a ${WEEKDAYS[RRULE_DAYS.indexOf(first)]}, which is not one of the days it repeats on. Tick that day too, or move the start to one of the chosen days.`);
            return;
          }
          const body = {
            title: title.trim(),
            description,
            location,
            // An event keeps the zone it was made in (its times are shown and edited in it).
            timeZone: event?.timeZone ?? ZONE,
            allDay,
            start: from,
            end: allDay ? dateText(endDate()) : until,
            rrule: rrule(),
            attendees: attendees
              .split(/[\s,;]+/)
              .map((a) => a.trim())
              .filter(Boolean),
            roomId,
            ...(meeting && !event?.meetingUrl ? { meeting: true } : {}),
            ...(organizer ? { moderatorIds: meeting ? moderatorIds : [] } : {}),
          };
          await saveDialog(() => (event ? cal.updateEvent(event.id, body) : cal.createEvent({ calendarId, ...body })), { setBusy, setError, saved, close });
        }}
      >
        <label>
          Title
          <input data-testid="event-title" required maxLength={200} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        </label>
        {!event && (
          <label>
            Calendar
            <select data-testid="event-calendar" value={calendarId} onChange={(e) => setCalendarId((e.target as HTMLSelectElement).value)}>
              {calendars.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label class="check">
          <input
            type="checkbox"
            data-testid="event-all-day"
            checked={allDay}
            onChange={(e) => {
              const on = (e.target as HTMLInputElement).checked;
              setAllDay(on);
              setFrom((f) => (on ? f.slice(0, 10) : `${f.slice(0, 10)}T09:00`));
              setUntil((u) => (on ? u.slice(0, 10) : `${u.slice(0, 10)}T10:00`));
            }}
          />
          All day
        </label>
        <div class="row">
          <label>
            Starts
            <input
              type={allDay ? 'date' : 'datetime-local'}
              data-testid="event-start"
              required
              value={from}
              onInput={(e) => {
                const before = startDay();
                const value = (e.target as HTMLInputElement).value;
                setFrom(value);
                // Only the start's day ticked: it moves with the start.
                const d = allDay ? new Date(`${value}T00:00`) : new Date(value);
                const after = Number.isNaN(d.getTime()) ? undefined : RRULE_DAYS[(d.getDay() + 6) % 7];
                if (after && before && days.length === 1 && days[0] === before) setDays([after]);
              }}
            />
          </label>
          <label>
            Ends
            <input type={allDay ? 'date' : 'datetime-local'} data-testid="event-end" required value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />
          </label>
        </div>
        <label>
          Repeats
          <select
            data-testid="event-repeat"
            value={freq}
            onChange={(e) => {
              const next = (e.target as HTMLSelectElement).value as Freq;
              setFreq(next);
              // Weekly starts from the start's own day, ticked.
              const first = startDay();
              if (next === 'WEEKLY' && days.length === 0 && first) setDays([first]);
            }}
          >
            <option value="">Does not repeat</option>
            <option value="DAILY">Daily</option>
            <option value="WEEKLY">Weekly</option>
            <option value="MONTHLY">Monthly</option>
            <option value="YEARLY">Yearly</option>
          </select>
        </label>
        {freq === 'WEEKLY' && (
          <div class="row weekdays" data-testid="event-weekdays">
            {RRULE_DAYS.map((d, i) => (
              <label class="check" key={d}>
                <input type="checkbox" data-testid="event-weekday" data-day={d} checked={days.includes(d)} onChange={() => setDays((ds) => (ds.includes(d) ? ds.filter((x) => x !== d) : [...ds, d]))} />
                {WEEKDAYS[i]}
              </label>
            ))}
          </div>
        )}
        {freq && (
          <div class="row">
            <select aria-label="Ends" data-testid="event-ends" value={ends} onChange={(e) => setEnds((e.target as HTMLSelectElement).value as typeof ends)}>
              <option value="never">Forever</option>
              <option value="count">A number of times</option>
              <option value="until">Until a date</option>
            </select>
            {ends === 'count' && <input type="number" min={1} max={999} aria-label="Times" value={count} onInput={(e) => setCount(Number((e.target as HTMLInputElement).value))} />}
            {ends === 'until' && <input type="date" aria-label="Until" value={untilDate} onInput={(e) => setUntilDate((e.target as HTMLInputElement).value)} />}
          </div>
        )}
        <label>
          Location
          <input maxLength={500} value={location} onInput={(e) => setLocation((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Attendees (e-mail addresses)
          <input data-testid="event-attendees" value={attendees} onInput={(e) => setAttendees((e.target as HTMLInputElement).value)} />
        </label>
        <label class="check">
          <input type="checkbox" data-testid="event-meeting" checked={meeting} disabled={Boolean(event?.meetingUrl)} onChange={(e) => setMeeting((e.target as HTMLInputElement).checked)} />
          {organizer ? 'Add a Parley meeting link (you are its moderator)' : 'Add a Parley meeting link (the organizer is its moderator)'}
        </label>
        {meeting && organizer && members && members.length > 0 && (
          <fieldset class="co-moderators" data-testid="event-moderators">
            <legend>Co-moderators: they open the meeting as moderators too</legend>
            <div class="member-checks">
              {members.map((m) => (
                <label class="check" key={m.id} data-username={m.username}>
                  <input
                    type="checkbox"
                    checked={moderatorIds.includes(m.id)}
                    onChange={() => setModeratorIds((ids) => (ids.includes(m.id) ? ids.filter((x) => x !== m.id) : [...ids, m.id]))}
                  />
                  {m.name}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <fieldset class="room-picker">
          <legend>Meeting room</legend>
          <div class="row">
            <label>
              Seats
              <input type="number" min={1} max={10000} value={capacity} data-testid="room-capacity" onInput={(e) => setCapacity(Number((e.target as HTMLInputElement).value) || 1)} />
            </label>
            <button
              type="button"
              class="side-action"
              data-testid="find-rooms"
              onClick={async () => {
                setError(null);
                try {
                  setFree(await cal.freeRooms(orgId, startDate().getTime(), endDate().getTime(), capacity));
                } catch (err) {
                  setError(message(err));
                }
              }}
            >
              Find free rooms
            </button>
          </div>
          {roomId && !free && <p class="dim small">A room is booked for this event.</p>}
          {free && !free.length && <p class="dim small">No room is free then.</p>}
          {free && (
            <ul class="room-list" data-testid="free-rooms">
              <li>
                <label class="check">
                  <input type="radio" name="room" checked={!roomId} onChange={() => setRoomId(null)} /> No room
                </label>
              </li>
              {free.map((r) => (
                <li key={r.id}>
                  <label class="check" data-testid="free-room" data-room-name={r.name}>
                    <input type="radio" name="room" checked={roomId === r.id} onChange={() => setRoomId(r.id)} />
                    <strong>{r.name}</strong> <span class="dim small">{r.capacity} seats{r.equipment.length ? ` · ${r.equipment.join(', ')}` : ''}{r.floor ? ` · floor ${r.floor}` : ''}</span>
                    {r.recent && <span class="chat-badge">recent</span>}
                  </label>
                </li>
              ))}
            </ul>
          )}
        </fieldset>
        <label>
          Description
          <textarea rows={3} maxLength={10000} value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} />
        </label>
        {error && (
          <p class="hint error" data-testid="event-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" data-testid="event-save" disabled={busy || !calendarId}>
          {event ? 'Save' : 'Create'}
        </button>
      </form>
    </Dialog>
  );
}

function EventDetails({
  cal,
  occ,
  meId,
  roomName,
  canWrite,
  close,
  edit,
  editOne,
  changed,
}: {
  cal: CalendarApi;
  occ: OccurrenceView;
  meId: string;
  roomName: Map<string, string>;
  canWrite: boolean;
  close: () => void;
  edit: (e: EventView) => void;
  editOne: (o: OccurrenceView) => void;
  changed: () => void;
}) {
  const [event, setEvent] = useState<EventView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // A private booking's event is not the viewer's to read.
    if (!occ.private) void cal.event(occ.eventId).then(setEvent, (e: unknown) => setError(message(e)));
  }, [occ.eventId]);
  const when = occ.allDay
    ? `${new Date(occ.startAt).toLocaleDateString()} (all day)`
    : `${new Date(occ.startAt).toLocaleString([], { dateStyle: 'full', timeStyle: 'short' })} – ${hm(occ.endAt)}`;
  // One link for everyone: the organizer and co-moderators are moderators by their account (signed in, as here).
  // Our meeting links are opened on this page's address; another service's (an imported event) as they are.
  const join = event?.meetingUrl ? (ownLink(event.meetingUrl, 'm') ?? event.meetingUrl) : null;
  return (
    <Dialog title={occ.title} close={close}>
      <div class="dialog-form" data-testid="event-details">
        <p data-testid="event-when">{when}</p>
        {occ.private && (
          <p class="dim small" data-testid="event-private">
            The room is booked; what for is in a calendar you cannot see.
          </p>
        )}
        {occ.recurring && <p class="dim small">{occ.changed ? 'A changed occurrence of a series' : `Repeats (${event?.rrule ?? '…'})`}</p>}
        {occ.location && <p>📍 {occ.location}</p>}
        {occ.roomId && <p data-testid="event-room">🚪 {roomName.get(occ.roomId) ?? 'a meeting room'}</p>}
        {join && (
          <a class="primary button" href={join} target="_blank" rel="noopener" data-testid="join-meeting">
            {event?.moderator ? 'Join the meeting (as moderator)' : 'Join the meeting'}
          </a>
        )}
        {occ.description && <p class="pre">{occ.description}</p>}
        {event && event.attendees.length > 0 && <p class="dim small">Attendees: {event.attendees.join(', ')}</p>}
        {error && <p class="hint error">{error}</p>}
        {canWrite && event && (
          <div class="row">
            <button type="button" class="side-action" data-testid="edit-event" onClick={() => edit(event)}>
              {occ.recurring ? 'Edit the series' : 'Edit'}
            </button>
            {occ.recurring && (
              <button type="button" class="side-action" data-testid="edit-occurrence" onClick={() => editOne(occ)}>
                Edit this one
              </button>
            )}
            {occ.recurring && (
              <button
                type="button"
                class="side-action"
                data-testid="cancel-occurrence"
                onClick={async () => {
                  await cal.setOccurrence(occ.eventId, { recurrenceId: occ.recurrenceId, cancelled: true }).catch((e: unknown) => setError(message(e)));
                  changed();
                  close();
                }}
              >
                Cancel this one
              </button>
            )}
            <button
              type="button"
              class="side-action danger"
              data-testid="delete-event"
              onClick={async () => {
                if (!confirm(occ.recurring ? 'Delete the whole series?' : 'Delete this event?')) return;
                await cal.deleteEvent(occ.eventId).catch((e: unknown) => setError(message(e)));
                changed();
                close();
              }}
            >
              Delete
            </button>
          </div>
        )}
      </div>
    </Dialog>
  );
}

/**
 * One occurrence of a series changed or moved, the series left as it is.
 * Times are the event's own wall clock (as the series is edited); only what
 * the person changed is sent, so the rest keeps following the series.
 */
function OccurrenceEditor({ cal, occ, close, saved }: { cal: CalendarApi; occ: OccurrenceView; close: () => void; saved: () => void }) {
  const cut = (t: string) => t.slice(0, occ.allDay ? 10 : 16);
  // All-day ends are exclusive on the wire; people pick the last day.
  const shownEnd = occ.allDay ? dateText(addDays(new Date(`${cut(occ.end)}T00:00`), -1)) : cut(occ.end);
  const [title, setTitle] = useState(occ.title);
  const [location, setLocation] = useState(occ.location);
  const [from, setFrom] = useState(cut(occ.start));
  const [until, setUntil] = useState(shownEnd);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={`${occ.title}, this one`} close={close}>
      <form
        class="dialog-form"
        data-testid="occurrence-editor"
        onSubmit={async (e) => {
          e.preventDefault();
          const moved = from !== cut(occ.start) || until !== shownEnd;
          const end = occ.allDay ? dateText(addDays(new Date(`${until}T00:00`), 1)) : until;
          const body = {
            recurrenceId: occ.recurrenceId,
            ...(title.trim() !== occ.title ? { title: title.trim() } : {}),
            ...(location !== occ.location ? { location } : {}),
            ...(moved ? { start: from, end } : {}),
          };
          await saveDialog(() => cal.setOccurrence(occ.eventId, body), { setBusy, setError, saved, close });
        }}
      >
        <label>
          Title
          <input data-testid="occurrence-title" required maxLength={200} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        </label>
        <div class="row">
          <label>
            Starts
            <input type={occ.allDay ? 'date' : 'datetime-local'} data-testid="occurrence-start" required value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Ends
            <input type={occ.allDay ? 'date' : 'datetime-local'} data-testid="occurrence-end" required value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />
          </label>
        </div>
        {occ.timeZone !== ZONE && <p class="dim small">Times in {occ.timeZone}, the series' time zone.</p>}
        <label>
          Location
          <input maxLength={500} value={location} onInput={(e) => setLocation((e.target as HTMLInputElement).value)} />
        </label>
        {error && (
          <p class="hint error" data-testid="occurrence-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" data-testid="occurrence-save" disabled={busy}>
          Save this one
        </button>
      </form>
    </Dialog>
  );
}

function ShareCalendar({ cal, token, orgId, meId, calendar, close }: { cal: CalendarApi; token: string; orgId: string; meId: string; calendar: CalendarView; close: () => void }) {
  const [members, setMembers] = useState<OrgMemberView[]>([]);
  const [userId, setUserId] = useState('');
  const [access, setAccess] = useState<'read' | 'write' | 'none'>('read');
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    void api.orgMembers(orgId, token).then((r) => {
      const others = r.members.filter((m) => m.id !== meId && !m.isBot);
      setMembers(others);
      setUserId(others[0]?.id ?? '');
    });
  }, [orgId]);
  return (
    <Dialog title={`Share “${calendar.name}”`} close={close}>
      <form
        class="dialog-form"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await cal.share(calendar.id, userId, access);
            setDone(access === 'none' ? 'Sharing taken back.' : 'Shared.');
          } catch (err) {
            setDone(message(err));
          }
        }}
      >
        <label>
          With
          <select data-testid="share-user" value={userId} onChange={(e) => setUserId((e.target as HTMLSelectElement).value)}>
            {members.map((m) => (
              <option key={m.id} value={m.id} data-username={m.username}>
                {m.name} (@{m.username})
              </option>
            ))}
          </select>
        </label>
        <label>
          Access
          <select data-testid="share-access" value={access} onChange={(e) => setAccess((e.target as HTMLSelectElement).value as typeof access)}>
            <option value="read">See events</option>
            <option value="write">See and edit events</option>
            <option value="none">Not shared</option>
          </select>
        </label>
        {done && <p class="hint" data-testid="share-done">{done}</p>}
        <button type="submit" class="primary" data-testid="share-save" disabled={!userId}>
          Save
        </button>
      </form>
    </Dialog>
  );
}

function RoomsAdmin({ cal, orgId, manager, close, changed }: { cal: CalendarApi; orgId: string; manager: boolean; close: () => void; changed: () => void }) {
  const [state, setState] = useState<{ rooms: RoomView[]; plan: string; maxRooms: number } | null>(null);
  const [form, setForm] = useState({ name: '', capacity: 6, address: '', floor: '', equipment: '', allowOverlap: false });
  const [error, setError] = useState<string | null>(null);
  const load = () => void cal.rooms(orgId).then(setState, (e: unknown) => setError(message(e)));
  useEffect(load, [orgId]);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      load();
      changed();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <Dialog title="Meeting rooms" close={close} wide>
      <div class="dialog-form" data-testid="rooms-admin">
        {state && (
          <p class="dim small" data-testid="rooms-plan">
            {state.rooms.length} of {state.maxRooms} rooms ({state.plan} plan)
          </p>
        )}
        <ul class="room-list">
          {state?.rooms.map((r) => (
            <li key={r.id} data-testid="room-row" data-room-name={r.name}>
              <strong>{r.name}</strong>{' '}
              <span class="dim small">
                {r.capacity} seats{r.equipment.length ? ` · ${r.equipment.join(', ')}` : ''}
                {r.floor ? ` · floor ${r.floor}` : ''}
                {r.address ? ` · ${r.address}` : ''}
                {r.allowOverlap ? ' · shared bookings' : ''}
              </span>
              {manager && (
                <span class="cal-tools">
                  <button type="button" class="link" data-testid="duplicate-room" onClick={() => void act(() => cal.duplicateRoom(r.id))}>
                    Duplicate
                  </button>
                  <button type="button" class="link danger" data-testid="delete-room" onClick={() => confirm(`Delete ${r.name}?`) && void act(() => cal.deleteRoom(r.id))}>
                    Delete
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
        {manager ? (
          <form
            class="dialog-form inset"
            onSubmit={(e) => {
              e.preventDefault();
              void act(async () => {
                await cal.createRoom(orgId, {
                  name: form.name.trim(),
                  capacity: form.capacity,
                  address: form.address,
                  floor: form.floor,
                  equipment: form.equipment
                    .split(',')
                    .map((x) => x.trim())
                    .filter(Boolean),
                  allowOverlap: form.allowOverlap,
                });
                setForm({ ...form, name: '' });
              });
            }}
          >
            <strong>New room</strong>
            <div class="row">
              <label>
                Name
                <input data-testid="room-name" required maxLength={100} value={form.name} onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} />
              </label>
              <label>
                Seats
                <input type="number" min={1} max={10000} data-testid="room-seats" value={form.capacity} onInput={(e) => setForm({ ...form, capacity: Number((e.target as HTMLInputElement).value) || 1 })} />
              </label>
            </div>
            <div class="row">
              <label>
                Address
                <input maxLength={300} value={form.address} onInput={(e) => setForm({ ...form, address: (e.target as HTMLInputElement).value })} />
              </label>
              <label>
                Floor
                <input maxLength={50} value={form.floor} onInput={(e) => setForm({ ...form, floor: (e.target as HTMLInputElement).value })} />
              </label>
            </div>
            <label>
              Equipment (comma-separated)
              <input data-testid="room-equipment" value={form.equipment} onInput={(e) => setForm({ ...form, equipment: (e.target as HTMLInputElement).value })} />
            </label>
            <label class="check">
              <input type="checkbox" checked={form.allowOverlap} onChange={(e) => setForm({ ...form, allowOverlap: (e.target as HTMLInputElement).checked })} />
              Allow several bookings at once
            </label>
            <button type="submit" class="primary" data-testid="room-create">
              Add room
            </button>
          </form>
        ) : (
          <p class="dim small">Administrators add and change rooms.</p>
        )}
        {error && (
          <p class="hint error" data-testid="rooms-error">
            {error}
          </p>
        )}
      </div>
    </Dialog>
  );
}

function Reminders({ cal, orgId, calendars, close }: { cal: CalendarApi; orgId: string; calendars: CalendarView[]; close: () => void }) {
  const [list, setList] = useState<ReminderView[]>([]);
  const [form, setForm] = useState({ calendarId: calendars[0]?.id ?? '', time: '07:30', day: 'morning' as 'morning' | 'evening', weekdays: [0, 1, 2, 3, 4], chat: true, mail: false, includeRecurring: true });
  const [error, setError] = useState<string | null>(null);
  const load = () => void cal.reminders(orgId).then(setList, (e: unknown) => setError(message(e)));
  useEffect(load, [orgId]);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      load();
    } catch (err) {
      setError(message(err));
    }
  };
  const name = (id: string) => calendars.find((c) => c.id === id)?.name ?? 'a calendar';
  return (
    <Dialog title="Daily agenda" close={close} wide>
      <div class="dialog-form" data-testid="reminders">
        <p class="dim small">Euria sends you the day’s events each morning, or the evening before.</p>
        <ul class="room-list">
          {list.map((r) => (
            <li key={r.id} data-testid="reminder-row">
              <span>
                {name(r.calendarId)} · {r.time} {r.day === 'morning' ? 'the same morning' : 'the evening before'} · {r.weekdays.map((d) => WEEKDAYS[d]).join(' ')} ·{' '}
                {[r.chat && 'chat', r.mail && 'mail'].filter(Boolean).join(' + ')} · {r.timeZone}
              </span>
              <span class="cal-tools">
                <label class="check">
                  <input type="checkbox" data-testid="reminder-enabled" checked={r.enabled} onChange={() => void act(() => cal.updateReminder(r.id, { enabled: !r.enabled }))} /> on
                </label>
                <button type="button" class="link danger" onClick={() => void act(() => cal.deleteReminder(r.id))}>
                  Delete
                </button>
              </span>
            </li>
          ))}
        </ul>
        <form
          class="dialog-form inset"
          onSubmit={(e) => {
            e.preventDefault();
            void act(() => cal.createReminder({ orgId, ...form, timeZone: ZONE }));
          }}
        >
          <strong>New reminder</strong>
          <div class="row">
            <label>
              Calendar
              <select data-testid="reminder-calendar" value={form.calendarId} onChange={(e) => setForm({ ...form, calendarId: (e.target as HTMLSelectElement).value })}>
                {calendars.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              At
              <input type="time" data-testid="reminder-time" required value={form.time} onInput={(e) => setForm({ ...form, time: (e.target as HTMLInputElement).value })} />
            </label>
            <label>
              When
              <select data-testid="reminder-day" value={form.day} onChange={(e) => setForm({ ...form, day: (e.target as HTMLSelectElement).value as 'morning' | 'evening' })}>
                <option value="morning">the same morning</option>
                <option value="evening">the evening before</option>
              </select>
            </label>
          </div>
          <div class="row weekdays">
            {WEEKDAYS.map((w, i) => (
              <label class="check" key={w}>
                <input
                  type="checkbox"
                  data-testid="reminder-weekday"
                  checked={form.weekdays.includes(i)}
                  onChange={() => setForm({ ...form, weekdays: form.weekdays.includes(i) ? form.weekdays.filter((d) => d !== i) : [...form.weekdays, i].sort() })}
                />
                {w}
              </label>
            ))}
          </div>
          <div class="row">
            <label class="check">
              <input type="checkbox" data-testid="reminder-chat" checked={form.chat} onChange={(e) => setForm({ ...form, chat: (e.target as HTMLInputElement).checked })} /> By Euria in chat
            </label>
            <label class="check">
              <input type="checkbox" data-testid="reminder-mail" checked={form.mail} onChange={(e) => setForm({ ...form, mail: (e.target as HTMLInputElement).checked })} /> By e-mail
            </label>
            <label class="check">
              <input type="checkbox" checked={form.includeRecurring} onChange={(e) => setForm({ ...form, includeRecurring: (e.target as HTMLInputElement).checked })} /> With recurring events
            </label>
          </div>
          <button type="submit" class="primary" data-testid="reminder-create" disabled={!form.weekdays.length || !form.calendarId}>
            Add reminder
          </button>
        </form>
        {error && (
          <p class="hint error" data-testid="reminders-error">
            {error}
          </p>
        )}
      </div>
    </Dialog>
  );
}
