// CalDAV (RFC 4791): one's calendars, and those shared with one, as DAV
// collections of events (one event, with its changed occurrences and time
// zones, per resource). What differs from an address book: the data's
// element (cal:calendar-data), its type, the report names, and
// calendar-query's filter. The rules are CalendarSync's.
import type { UserRow } from '../../accounts/Accounts.ts';
import type { CalendarSync, DavCalendarInfo, DavEvent } from '../../suite/calendar/sync.ts';
import { Forbidden, InvalidRequest } from '../../lib/errors.ts';
import { collectionProps, displayNameChange, type DavCollections, type DavItem } from './collection.ts';
import { principalPath, type Props } from './resource.ts';
import { child, childrenOf, escapeXml, keyOf, NS, type XmlElement } from './xml.ts';

type CalendarItem = DavItem & { startAt: number; endAt: number };
const item = (e: DavEvent): CalendarItem => ({ href: e.href, etag: e.etag, body: e.ics, startAt: e.startAt, endAt: e.endAt });
const APPLE = 'http://apple.com/ns/ical/';

export function calendars(sync: CalendarSync): DavCollections {
  const props = (user: UserRow, c: DavCalendarInfo): Props => ({
    ...collectionProps({ id: c.id, name: c.name, lastSeq: c.lastSeq, writable: c.writable, owner: principalPath(user), reports: [keyOf(NS.cal, 'calendar-multiget'), keyOf(NS.cal, 'calendar-query')] }),
    [keyOf(NS.dav, 'resourcetype')]: () => '<d:collection/><cal:calendar/>',
    [keyOf(NS.cal, 'supported-calendar-component-set')]: () => '<cal:comp name="VEVENT"/>',
    [keyOf(NS.cal, 'supported-calendar-data')]: () => '<cal:calendar-data content-type="text/calendar" version="2.0"/>',
    [keyOf(NS.cal, 'max-resource-size')]: () => String(1024 * 1024),
    [keyOf(APPLE, 'calendar-color')]: () => escapeXml(c.color),
  });
  return {
    area: 'calendars',
    dataKey: keyOf(NS.cal, 'calendar-data'),
    contentType: 'text/calendar',
    putTypes: ['text/calendar'],
    multigetKey: keyOf(NS.cal, 'calendar-multiget'),
    queryKey: keyOf(NS.cal, 'calendar-query'),
    list: async (user) => (await sync.calendars(user.id)).map((c) => ({ id: c.id, props: props(user, c) })),
    props: async (user, id) => props(user, await sync.calendar(user.id, id)),
    items: async (user, id) => (await sync.list(user.id, id)).map(item),
    get: async (user, id, hrefs) => (await sync.get(user.id, id, hrefs)).map(item),
    changes: async (user, id, since) => {
      const c = await sync.changes(user.id, id, since);
      return { ...c, changed: c.changed.map(item) };
    },
    put: (user, id, href, text, cond) => sync.put(user.id, id, href, text, cond),
    remove: (user, id, href, ifMatch) => sync.remove(user.id, id, href, ifMatch),
    settable: {
      [keyOf(NS.dav, 'displayname')]: displayNameChange,
      // Apple's clients write #RRGGBBAA; Parley keeps the colour, not its opacity.
      [keyOf(APPLE, 'calendar-color')]: (color) => (/^#[0-9a-f]{6}([0-9a-f]{2})?$/i.test(color.trim()) ? { color: color.trim().slice(0, 7).toLowerCase() } : undefined),
    },
    change: (user, id, change) => sync.update(user.id, id, change),
    filter: eventFilter,
  };
}

/**
 * calendar-query's filter (RFC 4791 section 9.7) as far as devices use it:
 * VCALENDAR, then VEVENT (every resource here is one) with an optional
 * time-range; a filter asking for to-dos or journals matches nothing.
 * Property filters on events are not supported and refused.
 */
function eventFilter(filter: XmlElement | undefined): (item: DavItem) => boolean {
  const calendar = child(filter, NS.cal, 'comp-filter');
  if (!filter || !calendar) return () => true;
  if (calendar.attrs.name?.toUpperCase() !== 'VCALENDAR') return () => false;
  const comps = childrenOf(calendar, NS.cal, 'comp-filter');
  if (!comps.length) return () => true;
  const event = comps.find((c) => c.attrs.name?.toUpperCase() === 'VEVENT');
  if (!event || child(event, NS.cal, 'is-not-defined')) return () => false;
  if (childrenOf(event, NS.cal, 'prop-filter').length || childrenOf(event, NS.cal, 'comp-filter').length) throw new Forbidden('calendar-query: only time-range filters on VEVENT are supported');
  const range = child(event, NS.cal, 'time-range');
  if (!range) return () => true;
  const start = range.attrs.start ? utc(range.attrs.start) : -Infinity;
  const end = range.attrs.end ? utc(range.attrs.end) : Infinity;
  return (it) => {
    const e = it as CalendarItem;
    return e.startAt < end && e.endAt > start;
  };
}

/** A time-range bound: a UTC date-time as iCalendar writes it (20261207T000000Z). */
function utc(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v.trim());
  if (!m) throw new InvalidRequest('time-range: start and end are UTC date-times (20261207T000000Z)');
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}
