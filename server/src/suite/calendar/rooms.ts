// Meeting rooms: created by administrators within the plan's number, each
// with a calendar of its bookings; finding free rooms; and booking one for
// an event, which takes the room's row lock for the length of the
// transaction: two people booking the same slot at once are serialized, and
// the second is refused (ROOM_BUSY) unless the room allows overlaps.
import { CALENDAR_LIMITS, PLAN_ROOMS, type OccurrenceView, type OrgRole, type Plan, type RoomBody, type RoomView } from '@parley/protocol';
import { newId } from '../../lib/ids.ts';
import { requireName } from '../../lib/names.ts';
import type { Work } from '../../lib/work.ts';
import { isUniqueViolation } from '../../store/db.ts';
import { calendarWork, firstClash, invalidTime, localText, occurrencesOf, type Timing } from './occurrences.ts';
import type { CalendarStore, EventRow, RoomFields, RoomRow } from './store.ts';
import { DAY_MS } from '../../lib/time.ts';
import { Forbidden, InvalidRequest, OrgNotFound, PlanLimit } from '../../lib/errors.ts';
import { MeetingRoomNotFound, RoomBusy } from './errors.ts';

const MANAGERS: readonly OrgRole[] = ['legal', 'admin'];

/** `userId`'s role in the organization; ORG_NOT_FOUND when they are not in it. */
export async function roleIn(store: CalendarStore, orgId: string, userId: string): Promise<OrgRole> {
  const role = await store.memberRole(orgId, userId);
  if (!role) throw new OrgNotFound('no such organization');
  return role;
}

const roomView = (r: RoomRow): RoomView => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  address: r.address,
  floor: r.floor,
  capacity: r.capacity,
  equipment: r.equipment,
  allowOverlap: r.allow_overlap,
  calendarId: r.calendar_id,
  color: r.color,
});

/** A room's bookings' colour unless one is chosen: teal, apart from people's blue. */
const ROOM_COLOR = '#0d9488';

const roomFields = (p: RoomBody): RoomFields => ({
  name: requireName(p.name, 100, "a room's name"),
  address: p.address ?? '',
  floor: p.floor ?? '',
  capacity: p.capacity,
  equipment: [...new Set(p.equipment ?? [])],
  allowOverlap: p.allowOverlap ?? false,
  color: p.color ?? ROOM_COLOR,
});

const nameTaken = (error: unknown) => (isUniqueViolation(error) ? new InvalidRequest('another meeting room has this name') : error);

export class MeetingRooms {
  readonly #store: CalendarStore;

  constructor(store: CalendarStore) {
    this.#store = store;
  }

  async #manager(store: CalendarStore, orgId: string, userId: string): Promise<void> {
    const role = await roleIn(store, orgId, userId);
    if (!MANAGERS.includes(role)) throw new Forbidden('only administrators manage meeting rooms');
  }

  /** A room `userId` may see (guests see none): MEETING_ROOM_NOT_FOUND otherwise. */
  async #room(roomId: string, orgId: string | null, userId: string, store = this.#store): Promise<RoomRow> {
    const room = await store.room(roomId);
    if (!room || (orgId && room.org_id !== orgId)) throw new MeetingRoomNotFound('no such meeting room');
    const role = await store.memberRole(room.org_id, userId);
    if (!role || role === 'external') throw new MeetingRoomNotFound('no such meeting room');
    return room;
  }

  async list(userId: string, orgId: string): Promise<RoomView[]> {
    const role = await roleIn(this.#store, orgId, userId);
    if (role === 'external') return [];
    return (await this.#store.roomsOf(orgId)).map(roomView);
  }

  async create(userId: string, orgId: string, p: RoomBody): Promise<RoomView> {
    const id = newId();
    await this.#store.tx(async (store) => {
      // The organization's row is the lock: two rooms created at once cannot both pass the plan's limit.
      const plan = await store.plan(orgId, { lock: true });
      if (!plan) throw new OrgNotFound('no such organization');
      await this.#manager(store, orgId, userId);
      const max = PLAN_ROOMS[plan];
      if ((await store.roomCount(orgId)) >= max) throw new PlanLimit(`the ${plan} plan has ${max} meeting room${max === 1 ? '' : 's'}; this organization has them all`);
      const fields = roomFields(p);
      await store.insertRoom(id, orgId, fields).catch((error: unknown) => {
        throw nameTaken(error);
      });
      await store.insertCalendar({ id: newId(), orgId, ownerId: null, roomId: id, name: fields.name, color: fields.color });
    });
    return roomView(await this.#room(id, orgId, userId));
  }

  async update(userId: string, roomId: string, p: RoomBody): Promise<RoomView> {
    const room = await this.#room(roomId, null, userId);
    await this.#manager(this.#store, room.org_id, userId);
    // A change that names no colour keeps the room's.
    const fields = { ...roomFields(p), color: p.color ?? room.color };
    await this.#store.tx((store) => store.updateRoom(roomId, fields)).catch((error: unknown) => {
      throw nameTaken(error);
    });
    return roomView(await this.#room(roomId, null, userId));
  }

  /** A copy of a room (name, place, capacity, equipment), without its bookings. */
  async duplicate(userId: string, roomId: string): Promise<RoomView> {
    const room = await this.#room(roomId, null, userId);
    const names = new Set((await this.#store.roomsOf(room.org_id)).map((r) => r.name));
    let name = `${room.name} (copy)`;
    for (let i = 2; names.has(name); i++) name = `${room.name} (copy ${i})`;
    return this.create(userId, room.org_id, { name: name.slice(0, 100), address: room.address, floor: room.floor, capacity: room.capacity, equipment: room.equipment, allowOverlap: room.allow_overlap, color: room.color });
  }

  async remove(userId: string, roomId: string): Promise<void> {
    const room = await this.#room(roomId, null, userId);
    await this.#manager(this.#store, room.org_id, userId);
    // Its bookings stay as events, without a room.
    await this.#store.deleteRoom(roomId);
  }

  async setPlan(userId: string, orgId: string, plan: Plan): Promise<void> {
    const role = await roleIn(this.#store, orgId, userId);
    if (role !== 'legal') throw new Forbidden('only a legal representative changes the plan');
    await this.#store.setPlan(orgId, plan);
  }

  async plan(orgId: string): Promise<Plan> {
    return (await this.#store.plan(orgId)) ?? 'free';
  }

  /**
   * Rooms free over [from, to) (rooms that allow overlaps always are), big
   * enough; the three rooms `userId` booked most recently come first.
   */
  async free(userId: string, orgId: string, from: number, to: number, capacity = 1): Promise<(RoomView & { recent: boolean })[]> {
    return calendarWork('this search for free rooms', (work) => this.#free(userId, orgId, from, to, capacity, work));
  }

  async #free(userId: string, orgId: string, from: number, to: number, capacity: number, work: Work): Promise<(RoomView & { recent: boolean })[]> {
    if (to <= from) throw invalidTime('the range ends before it starts');
    if (to - from > CALENDAR_LIMITS.rangeDays * DAY_MS) throw invalidTime(`a range is at most ${CALENDAR_LIMITS.rangeDays} days`);
    const all = (await this.list(userId, orgId)).filter((r) => r.capacity >= capacity);
    const busy = new Set<string>();
    const candidates = all.filter((r) => !r.allowOverlap).map((r) => r.id);
    if (candidates.length) {
      const rows = await this.#store.bookingsInRange(candidates, from, to);
      const overrides = await this.#store.overridesOf(rows.map((r) => r.id));
      for (const row of rows) if (!busy.has(row.room_id!) && (await occurrencesOf(row, overrides.get(row.id) ?? [], from, to, work, 1)).length) busy.add(row.room_id!);
    }
    const recent = await this.#store.recentRooms(userId, all.map((r) => r.id), 3);
    const free = all.filter((r) => !busy.has(r.id));
    const rank = (r: RoomView) => (recent.includes(r.id) ? recent.indexOf(r.id) : 3);
    return free.map((r) => ({ ...r, recent: recent.includes(r.id) })).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  }

  /**
   * Checks, inside the caller's transaction (`store`), that `roomId` is free
   * for the event's occurrences (over the booking horizon for an endless
   * series) and locks it until commit. `onlyOccurrence`: checking one moved
   * occurrence of `eventId`, whose other occurrences stay where they are.
   */
  async book(store: CalendarStore, userId: string, orgId: string, roomId: string, eventId: string, t: Timing, work: Work, onlyOccurrence?: string): Promise<void> {
    // Guests see no rooms, so they book none either (not even by id).
    if ((await roleIn(store, orgId, userId)) === 'external') throw new MeetingRoomNotFound('no such meeting room');
    const room = await store.lockRoom(roomId);
    if (!room || room.org_id !== orgId) throw new MeetingRoomNotFound('no such meeting room');
    if (room.allow_overlap) return;
    const horizon = t.startAt + CALENDAR_LIMITS.bookingHorizonDays * DAY_MS;
    const until = Math.min(t.seriesEndAt ?? horizon, horizon);
    const mine: EventRow = {
      id: eventId,
      calendar_id: '',
      uid: '',
      organizer_id: null,
      title: '',
      description: '',
      location: '',
      time_zone: t.timeZone,
      all_day: t.allDay,
      start_local: localText(t.start, t.allDay),
      end_local: localText(t.end, t.allDay),
      start_at: t.startAt,
      end_at: t.endAt,
      rrule: t.rruleText,
      series_end_at: t.seriesEndAt,
      exdates: [],
      attendees: [],
      room_id: roomId,
      meeting_id: null,
      meeting_url: null,
      moderator_ids: [],
      alarms: [],
    };
    const wanted = await occurrencesOf(mine, [], t.startAt, Math.max(until, t.endAt + 1), work);
    if (!wanted.length) return;
    const from = wanted[0]!.startAt;
    const to = wanted.at(-1)!.endAt;
    const others = await store.bookingsInRange([roomId], from, to);
    const overrides = await store.overridesOf(others.map((o) => o.id));
    const taken: { startAt: number; endAt: number }[] = [];
    for (const o of others) {
      for (const occ of await occurrencesOf(o, overrides.get(o.id) ?? [], from, to, work)) {
        // The event being changed does not collide with itself, except its other occurrences when one is moved.
        if (o.id === eventId && (!onlyOccurrence || occ.recurrenceId === onlyOccurrence)) continue;
        taken.push(occ);
      }
    }
    const clash = firstClash(wanted, taken);
    // Said in the booker's own times: who else booked, and when, is theirs to know only through the room's calendar.
    if (clash) throw new RoomBusy(`${room.name} is already booked at the time of ${wanted.length > 1 ? 'your occurrence of' : 'your event on'} ${clash.start.replace('T', ' ').slice(0, 16)}`);
  }

  /**
   * Marks the occurrences whose room (one that allows several bookings) is
   * also booked by another event at that time: double bookings are allowed
   * there, and shown as conflicts. `occs` lie in [from, to).
   */
  async markConflicts(occs: OccurrenceView[], from: number, to: number, work: Work): Promise<void> {
    const roomIds = [...new Set(occs.map((o) => o.roomId).filter((r): r is string => Boolean(r)))];
    if (!roomIds.length) return;
    const rows = await this.#store.bookingsInRange(roomIds, from, to);
    const overrides = await this.#store.overridesOf(rows.map((r) => r.id));
    const booked = new Map<string, OccurrenceView[]>();
    for (const row of rows) {
      const list = booked.get(row.room_id!) ?? [];
      list.push(...(await occurrencesOf(row, overrides.get(row.id) ?? [], from, to, work)));
      booked.set(row.room_id!, list);
    }
    for (const o of occs) {
      if (!o.roomId) continue;
      const others = booked.get(o.roomId) ?? [];
      if (others.some((b) => !(b.eventId === o.eventId && b.recurrenceId === o.recurrenceId) && b.startAt < o.endAt && b.endAt > o.startAt)) o.conflict = true;
    }
  }
}
