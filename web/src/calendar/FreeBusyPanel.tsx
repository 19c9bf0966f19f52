// Free/busy in the event editor: on asking, each attendee who is a member
// (and oneself) and the chosen room get a bar of the chosen day (07:00 to
// 20:00) with their busy times, and the next time all are free is offered
// (slots.ts). Only times are shown, never what fills them.
import { useEffect, useState } from 'preact/hooks';
import type { BusyInterval, FreeBusyView } from '@parley/protocol';
import { errorText } from '../i18n/errors.ts';
import { formatTimeRange, formatWith } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import type { CalendarApi } from './api.ts';
import { nextFreeSlot } from './slots.ts';

const BAR_FROM = 7;
const BAR_TO = 20;
const LOOK_AHEAD_DAYS = 14;

export function FreeBusyPanel(p: { cal: CalendarApi; orgId: string; start: Date; end: Date; attendees: string; roomId: string | null; eventId?: string; pick: (start: Date) => void }) {
  const [view, setView] = useState<FreeBusyView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const valid = !Number.isNaN(p.start.getTime()) && !Number.isNaN(p.end.getTime()) && p.end > p.start;
  const day = new Date(p.start.getFullYear(), p.start.getMonth(), p.start.getDate());
  const barFrom = new Date(day.getFullYear(), day.getMonth(), day.getDate(), BAR_FROM).getTime();
  const barTo = new Date(day.getFullYear(), day.getMonth(), day.getDate(), BAR_TO).getTime();
  // Asked for one day, people and room: another of these, and the answer is put away until asked again.
  useEffect(() => setView(null), [day.getTime(), p.attendees, p.roomId]);
  const ask = async () => {
    setError(null);
    const emails = p.attendees.split(/[\s,;]+/).filter((a) => a.includes('@'));
    try {
      setView(await p.cal.freeBusy(p.orgId, day.getTime(), day.getTime() + LOOK_AHEAD_DAYS * 86_400_000, emails, p.roomId ? [p.roomId] : [], p.eventId));
    } catch (err) {
      setError(errorText(err));
    }
  };
  const rows = view ? [...view.people.map((x) => ({ key: x.email, name: x.name, busy: x.busy })), ...view.rooms.map((r) => ({ key: r.roomId, name: r.name, busy: r.busy }))] : [];
  const all: BusyInterval[] = rows.flatMap((r) => r.busy);
  const clash = valid && all.some((b) => b.startAt < p.end.getTime() && b.endAt > p.start.getTime());
  const next = view && valid ? nextFreeSlot(all, Math.max(p.start.getTime(), Date.now()), p.end.getTime() - p.start.getTime()) : null;
  const pct = (ms: number) => `${(Math.min(Math.max(ms, barFrom), barTo) - barFrom) / (barTo - barFrom) * 100}%`;
  return (
    <fieldset class="free-busy" data-testid="free-busy">
      <legend>{t('calendar.freeBusy.title')}</legend>
      <button type="button" class="side-action" data-testid="check-freebusy" disabled={!valid} onClick={() => void ask()}>
        {view ? t('calendar.freeBusy.again') : t('calendar.freeBusy.check')}
      </button>
      {error && <p class="hint error">{error}</p>}
      {view && (
        <>
          <p class="dim small">{t('calendar.freeBusy.day', { day: formatWith(day, { weekday: 'long', day: 'numeric', month: 'long' }) })}</p>
          <ul class="fb-rows">
            {rows.map((r) => (
              <li key={r.key} data-testid="fb-row" data-name={r.name}>
                <span class="fb-name">{r.name}</span>
                <span class="fb-bar" role="img" aria-label={t('calendar.freeBusy.busyAt', { name: r.name, times: r.busy.filter((b) => b.endAt > barFrom && b.startAt < barTo).map((b) => formatTimeRange(b.startAt, b.endAt)).join(', ') || '–' })}>
                  {r.busy
                    .filter((b) => b.endAt > barFrom && b.startAt < barTo)
                    .map((b) => (
                      <span class="fb-busy" data-testid="fb-busy" key={b.startAt} style={{ left: pct(b.startAt), width: `calc(${pct(b.endAt)} - ${pct(b.startAt)})` }} />
                    ))}
                  {valid && <span class="fb-chosen" style={{ left: pct(p.start.getTime()), width: `calc(${pct(p.end.getTime())} - ${pct(p.start.getTime())})` }} />}
                </span>
              </li>
            ))}
          </ul>
          {view.unknown.length > 0 && <p class="dim small">{t('calendar.freeBusy.unknown', { emails: view.unknown.join(', ') })}</p>}
          {!clash ? (
            <p class="hint" data-testid="fb-verdict">{t('calendar.freeBusy.allFree')}</p>
          ) : next !== null ? (
            <p class="hint" data-testid="fb-verdict">
              {t('calendar.freeBusy.conflict')}{' '}
              <button type="button" class="link" data-testid="fb-next" onClick={() => p.pick(new Date(next))}>
                {t('calendar.freeBusy.next', { when: formatWith(next, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }) })}
              </button>
            </p>
          ) : (
            <p class="hint" data-testid="fb-verdict">{t('calendar.freeBusy.noneSoon', { days: LOOK_AHEAD_DAYS })}</p>
          )}
        </>
      )}
    </fieldset>
  );
}
