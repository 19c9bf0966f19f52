// One's calendar: its name, its colour, and the reminder its new events get
// (a phone may rename and recolour it too, over CalDAV; a room's calendar is
// named after its room, in the rooms' administration).
import { useState } from 'preact/hooks';
import type { CalendarView } from '@parley/protocol';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { AlarmSelect } from './alarms.tsx';
import type { CalendarApi } from './api.ts';

export function CalendarSettings({ cal, calendar, close, changed }: { cal: CalendarApi; calendar: CalendarView; close: () => void; changed: () => void }) {
  const [name, setName] = useState(calendar.name);
  const [color, setColor] = useState(calendar.color);
  const [alarm, setAlarm] = useState<number | null>(calendar.defaultAlarms[0] ?? null);
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title={t('calendar.settings.title', { calendar: calendar.name })} close={close}>
      <form
        class="dialog-form"
        data-testid="calendar-settings"
        onSubmit={(e) => {
          e.preventDefault();
          // Only what was changed here is sent: a rename made meanwhile on a phone is not undone.
          const alarmChanged = alarm !== (calendar.defaultAlarms[0] ?? null);
          const change = { ...(name.trim() !== calendar.name ? { name: name.trim() } : {}), ...(color !== calendar.color ? { color } : {}) };
          void Promise.all([Object.keys(change).length > 0 && cal.updateCalendar(calendar.id, change), alarmChanged && cal.setDefaultAlarms(calendar.id, alarm === null ? [] : [alarm])]).then(
            () => (changed(), close()),
            (err: unknown) => (changed(), setError(errorText(err))),
          );
        }}
      >
        <label>
          {t('calendar.settings.name')}
          <input data-testid="calendar-name" required maxLength={100} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label class="check">
          <input type="color" data-testid="calendar-color" value={color} onInput={(e) => setColor((e.target as HTMLInputElement).value)} />
          {t('calendar.settings.color')}
        </label>
        <label>
          {t('calendar.alarm.label')}
          <AlarmSelect value={alarm} onChange={setAlarm} testid="default-alarm-select" />
        </label>
        <p class="dim small">{t('calendar.alarm.defaultIntro')}</p>
        {error && <p class="hint error">{error}</p>}
        <button type="submit" class="primary" data-testid="calendar-settings-save">
          {t('calendar.settings.save')}
        </button>
      </form>
    </Dialog>
  );
}
