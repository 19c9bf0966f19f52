import { useEffect, useState } from 'preact/hooks';
import { sessionToken } from '../account/session.ts';
import { t } from '../i18n/index.ts';
import { PreferenceFields } from '../prefs/Preferences.tsx';
import { IconButton } from '../ui/icons.tsx';
import { listDevices, type DeviceLists } from './devices.ts';
import type { MeetingSession } from './session.ts';
import { ModeratorSettings } from '../moderation/ModeratorSettings.tsx';
import { E2eeSettings } from '../e2ee/E2eeSettings.tsx';
import { X as XIcon } from 'lucide';
import { LIMITS } from '@parley/protocol';
import { MicLevel } from './MicLevel.tsx';
import { OutputChoice } from './OutputChoice.tsx';

/** Device switching during the meeting: the new track replaces the old one in place. Language and theme too. */
export function SettingsPanel({ session, onClose, onShortcuts }: { session: MeetingSession; onClose: () => void; onShortcuts: () => void }) {
  const [devices, setDevices] = useState<DeviceLists>({ mics: [], cameras: [], speakers: [] });
  const [name, setName] = useState(session.self.value?.name ?? '');
  useEffect(() => {
    const refresh = () => void listDevices().then(setDevices);
    refresh();
    navigator.mediaDevices?.addEventListener('devicechange', refresh);
    return () => navigator.mediaDevices?.removeEventListener('devicechange', refresh);
  }, []);
  const micId = session.media.micTrack.value?.getSettings().deviceId ?? '';
  const camId = session.media.cameraTrack.value?.getSettings().deviceId ?? '';
  return (
    <aside class="panel" aria-label={t('meeting.settings.title')} data-testid="settings-panel">
      <header class="panel-head">
        <h2>{t('meeting.settings.title')}</h2>
        <IconButton icon={XIcon} label={t('meeting.settings.close')} size={18} onClick={onClose} />
      </header>
      <div class="settings">
        <form
          class="rename"
          onSubmit={(e) => {
            e.preventDefault();
            void session.rename(name);
          }}
        >
          <label>
            {t('meeting.settings.yourName')}
            <span class="row">
              <input data-testid="rename-input" value={name} maxLength={LIMITS.nameChars} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
              <button type="submit" class="small" data-testid="rename-save" disabled={!name.trim() || name.trim() === session.self.value?.name}>
                {t('meeting.settings.rename')}
              </button>
            </span>
          </label>
        </form>
        <label>
          {t('meeting.devices.microphone')}
          <select data-testid="select-mic" value={micId} onChange={(e) => void session.controls.switchDevice('mic', (e.target as HTMLSelectElement).value)}>
            {devices.mics.length === 0 && <option value="">{t('meeting.devices.noMicrophone')}</option>}
            {devices.mics.map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || t('meeting.devices.microphoneNumber', { number: i + 1 })}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('meeting.devices.camera')}
          <select data-testid="select-camera" value={camId} onChange={(e) => void session.controls.switchDevice('camera', (e.target as HTMLSelectElement).value)}>
            {devices.cameras.length === 0 && <option value="">{t('meeting.devices.noCamera')}</option>}
            {devices.cameras.map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || t('meeting.devices.cameraNumber', { number: i + 1 })}
              </option>
            ))}
          </select>
        </label>
        <MicLevel track={session.media.micTrack.value} />
        <OutputChoice speakers={devices.speakers} />
        <PreferenceFields sessionToken={sessionToken.value} />
        <button type="button" class="small" data-testid="open-shortcuts" onClick={onShortcuts}>
          {t('meeting.shortcuts.open')}
        </button>
        <E2eeSettings session={session} />
        <ModeratorSettings session={session} />
      </div>
    </aside>
  );
}
