// Calendar administration dialogs: sharing a calendar, the organization's
// meeting rooms, daily agenda reminders.
import { useEffect, useState } from 'preact/hooks';
import type { CalendarView, OrgMemberView, ReminderView, RoomView } from '@parley/protocol';
import { api } from '../core/api.ts';
import { errorText } from '../i18n/errors.ts';
import { formatList, formatTime } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import type { CalendarApi } from './api.ts';
import { weekdayName, weekOrder, ZONE } from './dates.ts';
import { roomFacts } from './texts.ts';

/** A reminder's weekday (0 Monday ... 6 Sunday, as RFC 5545 orders them) as Date.getDay() numbers it (0 Sunday), and back. */
const jsDay = (weekday: number) => (weekday + 1) % 7;
const reminderDay = (js: number) => (js + 6) % 7;
/** A reminder's "HH:MM" wall-clock time, as the page's locale writes times. */
const clockText = (time: string) => {
  const [h, m] = time.split(':').map(Number);
  return Number.isInteger(h) && Number.isInteger(m) ? formatTime(new Date(2000, 0, 1, h, m)) : time;
};

export function ShareCalendar({ cal, token, orgId, meId, calendar, close }: { cal: CalendarApi; token: string; orgId: string; meId: string; calendar: CalendarView; close: () => void }) {
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
    <Dialog title={t('calendar.share.title', { calendar: calendar.name })} close={close}>
      <form
        class="dialog-form"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await cal.share(calendar.id, userId, access);
            setDone(access === 'none' ? t('calendar.share.unshared') : t('calendar.share.shared'));
          } catch (err) {
            setDone(errorText(err));
          }
        }}
      >
        <label>
          {t('calendar.share.with')}
          <select data-testid="share-user" value={userId} onChange={(e) => setUserId((e.target as HTMLSelectElement).value)}>
            {members.map((m) => (
              <option key={m.id} value={m.id} data-username={m.username}>
                {m.name} (@{m.username})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('calendar.share.access')}
          <select data-testid="share-access" value={access} onChange={(e) => setAccess((e.target as HTMLSelectElement).value as typeof access)}>
            <option value="read">{t('calendar.share.access.read')}</option>
            <option value="write">{t('calendar.share.access.write')}</option>
            <option value="none">{t('calendar.share.access.none')}</option>
          </select>
        </label>
        {done && <p class="hint" data-testid="share-done">{done}</p>}
        <button type="submit" class="primary" data-testid="share-save" disabled={!userId}>
          {t('calendar.share.save')}
        </button>
      </form>
    </Dialog>
  );
}

export function RoomsAdmin({ cal, orgId, manager, close, changed }: { cal: CalendarApi; orgId: string; manager: boolean; close: () => void; changed: () => void }) {
  const [state, setState] = useState<{ rooms: RoomView[]; plan: string; maxRooms: number } | null>(null);
  const blank = { name: '', capacity: 6, address: '', floor: '', equipment: '', allowOverlap: false, color: '#0d9488' };
  const [form, setForm] = useState(blank);
  /** The room being edited in the form (null: a new one). */
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => void cal.rooms(orgId).then(setState, (e: unknown) => setError(errorText(e)));
  useEffect(load, [orgId]);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      load();
      changed();
    } catch (err) {
      // The plan's limit, said with the plan's numbers.
      const full = (err as { code?: string }).code === 'PLAN_LIMIT' && state;
      setError(full ? t('calendar.rooms.planLimit', { plan: state.plan, max: state.maxRooms }) : errorText(err));
    }
  };
  return (
    <Dialog title={t('calendar.rooms.title')} close={close} wide>
      <div class="dialog-form" data-testid="rooms-admin">
        {state && (
          <p class="dim small" data-testid="rooms-plan">
            {t('calendar.rooms.plan', { count: state.rooms.length, max: state.maxRooms, plan: state.plan })}
          </p>
        )}
        <ul class="room-list">
          {state?.rooms.map((r) => (
            <li key={r.id} data-testid="room-row" data-room-name={r.name}>
              <span class="room-swatch" style={{ background: r.color }} aria-hidden="true" />
              <strong>{r.name}</strong>{' '}
              <span class="dim small">{roomFacts(r, true)}</span>
              {manager && (
                <span class="cal-tools">
                  <button
                    type="button"
                    class="link"
                    data-testid="edit-room"
                    onClick={() => {
                      setEditing(r.id);
                      setForm({ name: r.name, capacity: r.capacity, address: r.address, floor: r.floor, equipment: r.equipment.join(', '), allowOverlap: r.allowOverlap, color: r.color });
                    }}
                  >
                    {t('calendar.rooms.edit')}
                  </button>
                  <button type="button" class="link" data-testid="duplicate-room" onClick={() => void act(() => cal.duplicateRoom(r.id))}>
                    {t('calendar.rooms.duplicate')}
                  </button>
                  <button type="button" class="link danger" data-testid="delete-room" onClick={() => confirm(t('calendar.rooms.deleteConfirm', { room: r.name })) && void act(() => cal.deleteRoom(r.id))}>
                    {t('calendar.rooms.delete')}
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
                const body = {
                  name: form.name.trim(),
                  capacity: form.capacity,
                  address: form.address,
                  floor: form.floor,
                  equipment: form.equipment
                    .split(',')
                    .map((x) => x.trim())
                    .filter(Boolean),
                  allowOverlap: form.allowOverlap,
                  color: form.color,
                };
                if (editing) await cal.updateRoom(editing, body);
                else await cal.createRoom(orgId, body);
                setEditing(null);
                setForm(editing ? blank : { ...form, name: '' });
              });
            }}
          >
            <strong>{editing ? t('calendar.rooms.editing', { room: form.name }) : t('calendar.rooms.new')}</strong>
            <div class="row">
              <label>
                {t('calendar.rooms.name')}
                <input data-testid="room-name" required maxLength={100} value={form.name} onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} />
              </label>
              <label>
                {t('calendar.rooms.seats')}
                <input type="number" min={1} max={10000} data-testid="room-seats" value={form.capacity} onInput={(e) => setForm({ ...form, capacity: Number((e.target as HTMLInputElement).value) || 1 })} />
              </label>
            </div>
            <div class="row">
              <label>
                {t('calendar.rooms.address')}
                <input maxLength={300} value={form.address} onInput={(e) => setForm({ ...form, address: (e.target as HTMLInputElement).value })} />
              </label>
              <label>
                {t('calendar.rooms.floor')}
                <input maxLength={50} value={form.floor} onInput={(e) => setForm({ ...form, floor: (e.target as HTMLInputElement).value })} />
              </label>
            </div>
            <label>
              {t('calendar.rooms.equipment')}
              <input data-testid="room-equipment" value={form.equipment} onInput={(e) => setForm({ ...form, equipment: (e.target as HTMLInputElement).value })} />
            </label>
            <label class="check">
              <input type="color" data-testid="room-color" value={form.color} onInput={(e) => setForm({ ...form, color: (e.target as HTMLInputElement).value })} />
              {t('calendar.rooms.color')}
            </label>
            <label class="check">
              <input type="checkbox" data-testid="room-overlap" checked={form.allowOverlap} onChange={(e) => setForm({ ...form, allowOverlap: (e.target as HTMLInputElement).checked })} />
              {t('calendar.rooms.allowOverlap')}
            </label>
            <div class="row">
              <button type="submit" class="primary" data-testid="room-create">
                {editing ? t('calendar.rooms.save') : t('calendar.rooms.add')}
              </button>
              {editing && (
                <button type="button" class="side-action" data-testid="room-edit-cancel" onClick={() => (setEditing(null), setForm(blank))}>
                  {t('calendar.rooms.cancelEdit')}
                </button>
              )}
            </div>
          </form>
        ) : (
          <p class="dim small">{t('calendar.rooms.adminsOnly')}</p>
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

export function Reminders({ cal, orgId, calendars, close }: { cal: CalendarApi; orgId: string; calendars: CalendarView[]; close: () => void }) {
  const [list, setList] = useState<ReminderView[]>([]);
  const [form, setForm] = useState({ calendarId: calendars[0]?.id ?? '', time: '07:30', day: 'morning' as 'morning' | 'evening', weekdays: [0, 1, 2, 3, 4], chat: true, mail: false, includeRecurring: true });
  const [error, setError] = useState<string | null>(null);
  const load = () => void cal.reminders(orgId).then(setList, (e: unknown) => setError(errorText(e)));
  useEffect(load, [orgId]);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const name = (id: string) => calendars.find((c) => c.id === id)?.name ?? t('calendar.reminders.someCalendar');
  /** A reminder's weekdays, named in the locale's week order. */
  const daysText = (weekdays: number[]) =>
    formatList(
      weekOrder()
        .filter((js) => weekdays.includes(reminderDay(js)))
        .map((js) => weekdayName(js)),
      'unit',
    );
  return (
    <Dialog title={t('calendar.reminders.title')} close={close} wide>
      <div class="dialog-form" data-testid="reminders">
        <p class="dim small">{t('calendar.reminders.intro')}</p>
        <ul class="room-list">
          {list.map((r) => (
            <li key={r.id} data-testid="reminder-row">
              <span>
                {t('calendar.reminders.row', {
                  calendar: name(r.calendarId),
                  time: clockText(r.time),
                  day: r.day,
                  weekdays: daysText(r.weekdays),
                  channels: r.chat && r.mail ? 'both' : r.chat ? 'chat' : r.mail ? 'mail' : 'none',
                  zone: r.timeZone,
                })}
              </span>
              <span class="cal-tools">
                <label class="check">
                  <input type="checkbox" data-testid="reminder-enabled" checked={r.enabled} onChange={() => void act(() => cal.updateReminder(r.id, { enabled: !r.enabled }))} />{' '}
                  {t('calendar.reminders.enabled')}
                </label>
                <button type="button" class="link danger" onClick={() => void act(() => cal.deleteReminder(r.id))}>
                  {t('calendar.reminders.delete')}
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
          <strong>{t('calendar.reminders.new')}</strong>
          <div class="row">
            <label>
              {t('calendar.reminders.calendar')}
              <select data-testid="reminder-calendar" value={form.calendarId} onChange={(e) => setForm({ ...form, calendarId: (e.target as HTMLSelectElement).value })}>
                {calendars.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('calendar.reminders.time')}
              <input type="time" data-testid="reminder-time" required value={form.time} onInput={(e) => setForm({ ...form, time: (e.target as HTMLInputElement).value })} />
            </label>
            <label>
              {t('calendar.reminders.when')}
              <select data-testid="reminder-day" value={form.day} onChange={(e) => setForm({ ...form, day: (e.target as HTMLSelectElement).value as 'morning' | 'evening' })}>
                <option value="morning">{t('calendar.reminders.when.morning')}</option>
                <option value="evening">{t('calendar.reminders.when.evening')}</option>
              </select>
            </label>
          </div>
          <div class="row weekdays" role="group" aria-label={t('calendar.reminders.weekdays')}>
            {weekOrder().map((js) => {
              const i = reminderDay(js);
              return (
                <label class="check" key={i}>
                  <input
                    type="checkbox"
                    data-testid="reminder-weekday"
                    checked={form.weekdays.includes(i)}
                    onChange={() => setForm({ ...form, weekdays: form.weekdays.includes(i) ? form.weekdays.filter((d) => d !== i) : [...form.weekdays, i].sort() })}
                  />
                  {weekdayName(jsDay(i))}
                </label>
              );
            })}
          </div>
          <div class="row">
            <label class="check">
              <input type="checkbox" data-testid="reminder-chat" checked={form.chat} onChange={(e) => setForm({ ...form, chat: (e.target as HTMLInputElement).checked })} /> {t('calendar.reminders.byChat')}
            </label>
            <label class="check">
              <input type="checkbox" data-testid="reminder-mail" checked={form.mail} onChange={(e) => setForm({ ...form, mail: (e.target as HTMLInputElement).checked })} /> {t('calendar.reminders.byMail')}
            </label>
            <label class="check">
              <input type="checkbox" checked={form.includeRecurring} onChange={(e) => setForm({ ...form, includeRecurring: (e.target as HTMLInputElement).checked })} /> {t('calendar.reminders.includeRecurring')}
            </label>
          </div>
          <button type="submit" class="primary" data-testid="reminder-create" disabled={!form.weekdays.length || !form.calendarId}>
            {t('calendar.reminders.add')}
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

