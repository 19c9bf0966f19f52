// An invitation's answer page (the link of an invitation mail): no account
// needed, the link's token names the attendee. It shows the event in its
// own time zone and the organizer's name, the meeting link, and takes an
// answer (accept, maybe, decline), which the organizer sees in the event.
import { useEffect, useState } from 'preact/hooks';
import type { AttendeeStatus, RsvpView } from '@parley/protocol';
import { call } from '../core/api.ts';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';

const ANSWERS = [
  ['accepted', 'calendar.rsvp.accept'],
  ['tentative', 'calendar.rsvp.tentative'],
  ['declined', 'calendar.rsvp.decline'],
] as const;

/** The event's time as written in its zone (the mail says the same). */
function when(v: RsvpView): string {
  if (v.allDay) return new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: 'UTC' }).format(Date.parse(`${v.start.slice(0, 10)}T00:00Z`));
  const at = (local: string) => Date.parse(`${local.slice(0, 16)}:00Z`);
  // Wall times shown as they are, labelled with their zone.
  const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }).format(at(v.start));
  const end = new Intl.DateTimeFormat(undefined, { timeStyle: 'short', timeZone: 'UTC' }).format(at(v.end));
  return `${day} – ${end} (${v.timeZone})`;
}

export function Rsvp({ token }: { token: string }) {
  const [view, setView] = useState<RsvpView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const url = `/api/rsvp/${encodeURIComponent(token)}`;
  useEffect(() => void call<{ invitation: RsvpView }>('GET', url).then((r) => setView(r.invitation), (e: unknown) => setError(errorText(e))), [token]);
  const answer = async (status: Exclude<AttendeeStatus, 'needs-action'>) => {
    setBusy(true);
    setError(null);
    try {
      const r = await call<{ status: AttendeeStatus }>('POST', url, { answer: status });
      setView((v) => v && { ...v, status: r.status });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="message-page" data-testid="rsvp-page">
      <header class="page-corner">
        <Preferences />
      </header>
      <h1>{t('calendar.rsvp.title')}</h1>
      {error && (
        <p class="hint error" role="alert" data-testid="rsvp-error">
          {error}
        </p>
      )}
      {view && (
        <section data-testid="rsvp-event">
          <h2 data-testid="rsvp-title">{view.title}</h2>
          <p class="dim">{t('calendar.rsvp.from', { organizer: view.organizer, email: view.email })}</p>
          <p data-testid="rsvp-when">{when(view)}</p>
          {view.rrule && <p class="dim small">{t('calendar.rsvp.repeats')}</p>}
          {view.location && <p>{t('calendar.rsvp.where', { place: view.location })}</p>}
          {view.meetingUrl && (
            <p>
              <a href={view.meetingUrl} data-testid="rsvp-join">
                {t('calendar.rsvp.join')}
              </a>
            </p>
          )}
          <p class="hint" role="status" data-testid="rsvp-status">
            {t('calendar.rsvp.status', { status: view.status })}
          </p>
          {/* Its own few styles inline: this page is opened from a mail on any device, and loads no stylesheet of its own. */}
          <div style={{ display: 'flex', gap: '8px', flexWrap: 'wrap', justifyContent: 'center', alignItems: 'center' }}>
            {ANSWERS.map(([status, key]) => (
              <button type="button" key={status} style={{ minHeight: '44px', minWidth: '96px', margin: 0 }} class={view.status === status ? 'primary' : 'side-action'} aria-pressed={view.status === status} data-testid={`rsvp-${status}`} disabled={busy} onClick={() => void answer(status)}>
                {t(key)}
              </button>
            ))}
          </div>
        </section>
      )}
    </main>
  );
}
