// Calendar administration dialogs: sharing a calendar, the organization's
// meeting rooms, daily agenda reminders.
import { useEffect, useState } from 'preact/hooks';
import type { CalendarView, OrgMemberView, ReminderView, RoomView } from '@parley/protocol';
import { api } from '../core/api.ts';
import { Dialog } from '../ui/Dialog.tsx';
import type { CalendarApi } from './api.ts';
import { message, WEEKDAYS, ZONE } from './dates.ts';

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

export function RoomsAdmin({ cal, orgId, manager, close, changed }: { cal: CalendarApi; orgId: string; manager: boolean; close: () => void; changed: () => void }) {
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

export function Reminders({ cal, orgId, calendars, close }: { cal: CalendarApi; orgId: string; calendars: CalendarView[]; close: () => void }) {
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

