// The event editor (a series or a single event: times, recurrence, a meeting
// link and its co-moderators, the room picker) and the editor of one
// occurrence of a series.
import { useEffect, useState } from 'preact/hooks';
import type { CalendarView, EventView, OccurrenceView, OrgMemberView, RoomView } from '@parley/protocol';
import { api } from '../core/api.ts';
import { errorText } from '../i18n/errors.ts';
import { FreeBusyPanel } from './FreeBusyPanel.tsx';
import { AlarmSelect } from './alarms.tsx';
import { formatWith } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import type { CalendarApi } from './api.ts';
import { addDays, dateText, localText, nextHour, RRULE_DAYS, rruleDay, weekdayName, weekOrder, ZONE } from './dates.ts';
import { roomFacts } from './texts.ts';

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
export async function saveDialog(action: () => Promise<unknown>, ui: { setBusy: (b: boolean) => void; setError: (e: string | null) => void; saved: () => void; close: () => void }): Promise<void> {
  ui.setBusy(true);
  ui.setError(null);
  try {
    await action();
    ui.saved();
    ui.close();
  } catch (err) {
    ui.setError(errorText(err));
  } finally {
    ui.setBusy(false);
  }
}

export function EventEditor({
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
  /** After a save; with the event's start when the view should go there (a new event, or one whose start moved: a series edited from this week stays on this week). */
  saved: (start?: Date) => void;
}) {
  const first = start ?? nextHour();
  const rule = readRule(event?.rrule ?? null);
  const [title, setTitle] = useState(event?.title ?? '');
  const [calendarId, setCalendarId] = useState(event?.calendarId ?? calendars[0]?.id ?? '');
  const [allDay, setAllDay] = useState(event?.allDay ?? false);
  const firstFrom = event ? event.start.slice(0, event.allDay ? 10 : 16) : localText(first);
  const [from, setFrom] = useState(firstFrom);
  // All-day ends are exclusive on the wire; people pick the last day.
  const [until, setUntil] = useState(
    event ? (event.allDay ? dateText(addDays(new Date(`${event.end}T00:00`), -1)) : event.end.slice(0, 16)) : localText(new Date(first.getTime() + 3_600_000)),
  );
  const [location, setLocation] = useState(event?.location ?? '');
  // One reminder chosen here (a file may bring more: they stay unless this is changed); a new event starts with its calendar's default.
  const defaultAlarm = (id: string) => calendars.find((c) => c.id === id)?.defaultAlarms[0] ?? null;
  const [alarm, setAlarm] = useState<number | null>(event ? (event.alarms[0] ?? null) : defaultAlarm(calendarId));
  const [alarmTouched, setAlarmTouched] = useState(false);
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
    return Number.isNaN(d.getTime()) ? undefined : rruleDay(d.getDay());
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
    <Dialog title={event ? t('calendar.editor.editTitle') : t('calendar.editor.newTitle')} close={close} wide>
      <form
        class="dialog-form"
        data-testid="event-editor"
        onSubmit={async (e) => {
          e.preventDefault();
          // RFC 5545 makes the start the first occurrence whatever the days say: a start on a day
          // not chosen would be a stray first meeting.
          const first = startDay();
          if (freq === 'WEEKLY' && days.length && first && !days.includes(first) && !(rule.other && freq === rule.freq)) {
            setError(t('calendar.editor.startNotOnDays', { weekday: formatWith(startDate(), { weekday: 'long' }) }));
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
            ...(alarmTouched ? { alarms: alarm === null ? [] : [alarm] } : {}),
          };
          await saveDialog(() => (event ? cal.updateEvent(event.id, body) : cal.createEvent({ calendarId, ...body })), { setBusy, setError, saved: () => saved(!event || from !== firstFrom ? startDate() : undefined), close });
        }}
      >
        <label>
          {t('calendar.editor.title')}
          <input data-testid="event-title" required maxLength={200} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        </label>
        {!event && (
          <label>
            {t('calendar.editor.calendar')}
            <select
              data-testid="event-calendar"
              value={calendarId}
              onChange={(e) => {
                const id = (e.target as HTMLSelectElement).value;
                setCalendarId(id);
                if (!event && !alarmTouched) setAlarm(defaultAlarm(id));
              }}
            >
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
          {t('calendar.editor.allDay')}
        </label>
        <div class="row">
          <label>
            {t('calendar.editor.starts')}
            <input
              type={allDay ? 'date' : 'datetime-local'}
              data-testid="event-start"
              required
              value={from}
              onInput={(e) => {
                const before = startDay();
                const [oldStart, oldEnd] = [startDate(), endDate()];
                const value = (e.target as HTMLInputElement).value;
                setFrom(value);
                // The end moves with the start, keeping the length (as every calendar does).
                const next = allDay ? new Date(`${value}T00:00`) : new Date(value);
                const length = oldEnd.getTime() - oldStart.getTime();
                if (!Number.isNaN(next.getTime()) && length >= 0) {
                  // All day: counted in days, so that a change of summer time on the way moves no day.
                  setUntil(allDay ? dateText(addDays(next, Math.round(length / 86_400_000) - 1)) : localText(new Date(next.getTime() + length)));
                }
                // Only the start's day ticked: it moves with the start.
                const d = allDay ? new Date(`${value}T00:00`) : new Date(value);
                const after = Number.isNaN(d.getTime()) ? undefined : rruleDay(d.getDay());
                if (after && before && days.length === 1 && days[0] === before) setDays([after]);
              }}
            />
          </label>
          <label>
            {t('calendar.editor.ends')}
            <input type={allDay ? 'date' : 'datetime-local'} data-testid="event-end" required value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />
          </label>
        </div>
        <label>
          {t('calendar.editor.repeats')}
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
            <option value="">{t('calendar.editor.repeat.none')}</option>
            <option value="DAILY">{t('calendar.editor.repeat.daily')}</option>
            <option value="WEEKLY">{t('calendar.editor.repeat.weekly')}</option>
            <option value="MONTHLY">{t('calendar.editor.repeat.monthly')}</option>
            <option value="YEARLY">{t('calendar.editor.repeat.yearly')}</option>
          </select>
        </label>
        {freq === 'WEEKLY' && (
          <div class="row weekdays" data-testid="event-weekdays" role="group" aria-label={t('calendar.editor.weekdays')}>
            {weekOrder().map((jsDay) => {
              const d = rruleDay(jsDay);
              return (
                <label class="check" key={d}>
                  <input type="checkbox" data-testid="event-weekday" data-day={d} checked={days.includes(d)} onChange={() => setDays((ds) => (ds.includes(d) ? ds.filter((x) => x !== d) : [...ds, d]))} />
                  {weekdayName(jsDay)}
                </label>
              );
            })}
          </div>
        )}
        {freq && (
          <div class="row">
            <select aria-label={t('calendar.editor.repeatEnds')} data-testid="event-ends" value={ends} onChange={(e) => setEnds((e.target as HTMLSelectElement).value as typeof ends)}>
              <option value="never">{t('calendar.editor.repeatEnds.never')}</option>
              <option value="count">{t('calendar.editor.repeatEnds.count')}</option>
              <option value="until">{t('calendar.editor.repeatEnds.until')}</option>
            </select>
            {ends === 'count' && (
              <input type="number" min={1} max={999} aria-label={t('calendar.editor.repeatTimes')} value={count} onInput={(e) => setCount(Number((e.target as HTMLInputElement).value))} />
            )}
            {ends === 'until' && <input type="date" aria-label={t('calendar.editor.repeatUntil')} value={untilDate} onInput={(e) => setUntilDate((e.target as HTMLInputElement).value)} />}
          </div>
        )}
        <label>
          {t('calendar.alarm.label')}
          <AlarmSelect value={alarm} onChange={(v) => (setAlarm(v), setAlarmTouched(true))} testid="event-alarm" />
        </label>
        <label>
          {t('calendar.editor.location')}
          <input data-testid="event-location" maxLength={500} value={location} onInput={(e) => setLocation((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('calendar.editor.attendees')}
          <input data-testid="event-attendees" value={attendees} onInput={(e) => setAttendees((e.target as HTMLInputElement).value)} />
        </label>
        <label class="check">
          <input type="checkbox" data-testid="event-meeting" checked={meeting} disabled={Boolean(event?.meetingUrl)} onChange={(e) => setMeeting((e.target as HTMLInputElement).checked)} />
          {organizer ? t('calendar.editor.meetingLinkOwn') : t('calendar.editor.meetingLinkOrganizer')}
        </label>
        {meeting && organizer && members && members.length > 0 && (
          <fieldset class="co-moderators" data-testid="event-moderators">
            <legend>{t('calendar.editor.coModerators')}</legend>
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
          <legend>{t('calendar.editor.room')}</legend>
          <div class="row">
            <label>
              {t('calendar.editor.seats')}
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
                  setError(errorText(err));
                }
              }}
            >
              {t('calendar.editor.findRooms')}
            </button>
          </div>
          {roomId && !free && <p class="dim small">{t('calendar.editor.roomBooked')}</p>}
          {free && !free.length && <p class="dim small">{t('calendar.editor.noFreeRoom')}</p>}
          {free && (
            <ul class="room-list" data-testid="free-rooms">
              <li>
                <label class="check">
                  <input type="radio" name="room" checked={!roomId} onChange={() => setRoomId(null)} /> {t('calendar.editor.noRoom')}
                </label>
              </li>
              {free.map((r) => (
                <li key={r.id}>
                  <label class="check" data-testid="free-room" data-room-name={r.name}>
                    <input type="radio" name="room" checked={roomId === r.id} onChange={() => setRoomId(r.id)} />
                    <strong>{r.name}</strong> <span class="dim small">{roomFacts(r)}</span>
                    {r.recent && <span class="chat-badge">{t('calendar.editor.recentRoom')}</span>}
                  </label>
                </li>
              ))}
            </ul>
          )}
        </fieldset>
        {!allDay && (
          <FreeBusyPanel
            cal={cal}
            orgId={orgId}
            start={startDate()}
            end={endDate()}
            attendees={attendees}
            roomId={roomId}
            eventId={event?.id}
            pick={(s) => {
              const length = endDate().getTime() - startDate().getTime();
              setFrom(localText(s));
              setUntil(localText(new Date(s.getTime() + length)));
            }}
          />
        )}
        <label>
          {t('calendar.editor.description')}
          <textarea rows={3} maxLength={10000} value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} />
        </label>
        {error && (
          <p class="hint error" data-testid="event-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" data-testid="event-save" disabled={busy || !calendarId}>
          {event ? t('calendar.editor.save') : t('calendar.editor.create')}
        </button>
      </form>
    </Dialog>
  );
}

/**
 * One occurrence of a series changed or moved, the series left as it is.
 * Times are the event's own wall clock (as the series is edited); only what
 * the person changed is sent, so the rest keeps following the series.
 */
export function OccurrenceEditor({ cal, occ, close, saved }: { cal: CalendarApi; occ: OccurrenceView; close: () => void; saved: () => void }) {
  const cut = (time: string) => time.slice(0, occ.allDay ? 10 : 16);
  // All-day ends are exclusive on the wire; people pick the last day.
  const shownEnd = occ.allDay ? dateText(addDays(new Date(`${cut(occ.end)}T00:00`), -1)) : cut(occ.end);
  const [title, setTitle] = useState(occ.title);
  const [location, setLocation] = useState(occ.location);
  const [from, setFrom] = useState(cut(occ.start));
  const [until, setUntil] = useState(shownEnd);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={t('calendar.occurrenceEditor.title', { title: occ.title })} close={close}>
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
          {t('calendar.editor.title')}
          <input data-testid="occurrence-title" required maxLength={200} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        </label>
        <div class="row">
          <label>
            {t('calendar.editor.starts')}
            <input type={occ.allDay ? 'date' : 'datetime-local'} data-testid="occurrence-start" required value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            {t('calendar.editor.ends')}
            <input type={occ.allDay ? 'date' : 'datetime-local'} data-testid="occurrence-end" required value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />
          </label>
        </div>
        {occ.timeZone !== ZONE && <p class="dim small">{t('calendar.occurrenceEditor.timeZone', { zone: occ.timeZone })}</p>}
        <label>
          {t('calendar.editor.location')}
          <input maxLength={500} value={location} onInput={(e) => setLocation((e.target as HTMLInputElement).value)} />
        </label>
        {error && (
          <p class="hint error" data-testid="occurrence-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" data-testid="occurrence-save" disabled={busy}>
          {t('calendar.occurrenceEditor.save')}
        </button>
      </form>
    </Dialog>
  );
}

