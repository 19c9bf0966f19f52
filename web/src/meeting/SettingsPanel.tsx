import { useEffect, useState } from 'preact/hooks';
import { sessionToken } from '../account/session.ts';
import { language, LANGUAGE_NAMES, LANGUAGES, t, type Language } from '../i18n/index.ts';
import { chooseLanguage } from '../prefs/language.ts';
import { setTheme, theme, THEMES, type Theme } from '../prefs/theme.ts';
import { Icon } from '../ui/icons.tsx';
import { listDevices, type DeviceLists } from './devices.ts';
import type { MeetingSession } from './session.ts';
import { ModeratorSettings } from '../moderation/ModeratorSettings.tsx';
import { E2eeSettings } from '../e2ee/E2eeSettings.tsx';
import { X as XIcon } from 'lucide';

/** Device switching during the meeting: the new track replaces the old one in place. Language and theme too. */
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
    <aside class="panel" aria-label={t('meeting.settings.title')} data-testid="settings-panel">
      <header class="panel-head">
        <h2>{t('meeting.settings.title')}</h2>
        <button type="button" class="icon-btn" aria-label={t('meeting.settings.close')} title={t('meeting.settings.close')} onClick={onClose}>
          <Icon icon={XIcon} size={18} />
        </button>
      </header>
      <div class="settings">
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
        <LanguageAndTheme />
        <E2eeSettings session={session} />
        <ModeratorSettings session={session} />
      </div>
    </aside>
  );
}

/**
 * The language and theme menu's two choices (prefs/Preferences.tsx), shown
 * open here: the panel has the room, and a popup would be cut by its scrolling.
 * A signed-in person's choice of language becomes the account's.
 */
function LanguageAndTheme() {
  const lang = language.value;
  return (
    <>
      <label>
        {t('prefs.language')}
        <select data-testid="prefs-language" value={lang} onChange={(e) => void chooseLanguage((e.target as HTMLSelectElement).value as Language, sessionToken.value)}>
          {LANGUAGES.map((l) => (
            <option key={l} value={l} lang={l}>
              {LANGUAGE_NAMES[l]}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('prefs.theme')}
        <select data-testid="prefs-theme" value={theme.value} onChange={(e) => setTheme((e.target as HTMLSelectElement).value as Theme)}>
          {THEMES.map((th) => (
            <option key={th} value={th}>
              {t(`prefs.theme.${th}`)}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
