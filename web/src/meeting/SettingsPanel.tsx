import { useEffect, useState } from 'preact/hooks';
import { Icon } from '../ui/icons.tsx';
import { listDevices, type DeviceLists } from './devices.ts';
import type { MeetingSession } from './session.ts';
import { ModeratorSettings } from '../moderation/ModeratorSettings.tsx';
import { E2eeSettings } from '../e2ee/E2eeSettings.tsx';

/** Device switching during the meeting: the new track replaces the old one in place. */
export function SettingsPanel({ session, onClose }: { session: MeetingSession; onClose: () => void }) {
  const [devices, setDevices] = useState<DeviceLists>({ mics: [], cameras: [] });
  useEffect(() => {
    const refresh = () => void listDevices().then(setDevices);
    refresh();
    navigator.mediaDevices?.addEventListener('devicechange', refresh);
    return () => navigator.mediaDevices?.removeEventListener('devicechange', refresh);
  }, []);
  const micId = session.media.micTrack.value?.getSettings().deviceId ?? '';
  const camId = session.media.cameraTrack.value?.getSettings().deviceId ?? '';
  return (
    <aside class="panel" aria-label="Settings" data-testid="settings-panel">
      <header class="panel-head">
        <h2>Settings</h2>
        <button type="button" class="icon-btn" aria-label="Close devices" onClick={onClose}>
          <Icon name="close" size={18} />
        </button>
      </header>
      <div class="settings">
        <label>
          Microphone
          <select data-testid="select-mic" value={micId} onChange={(e) => void session.controls.switchDevice('mic', (e.target as HTMLSelectElement).value)}>
            {devices.mics.length === 0 && <option value="">No microphone</option>}
            {devices.mics.map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || `Microphone ${i + 1}`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Camera
          <select data-testid="select-camera" value={camId} onChange={(e) => void session.controls.switchDevice('camera', (e.target as HTMLSelectElement).value)}>
            {devices.cameras.length === 0 && <option value="">No camera</option>}
            {devices.cameras.map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || `Camera ${i + 1}`}
              </option>
            ))}
          </select>
        </label>
        <E2eeSettings session={session} />
        <ModeratorSettings session={session} />
      </div>
    </aside>
  );
}
