import { t } from '../i18n/index.ts';
import { audioOutput, canChooseOutput, chooseOutput, playTestSound } from './output.ts';

/** The speaker choice and its test sound (where the browser can send sound to a chosen device). */
export function OutputChoice({ speakers }: { speakers: MediaDeviceInfo[] }) {
  return (
    <div class="output-choice">
      {canChooseOutput() && (
        <label>
          {t('meeting.devices.speaker')}
          <select data-testid="select-speaker" value={audioOutput.value} onChange={(e) => chooseOutput((e.target as HTMLSelectElement).value)}>
            <option value="">{t('meeting.devices.systemSpeaker')}</option>
            {speakers.map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || t('meeting.devices.speakerNumber', { number: i + 1 })}
              </option>
            ))}
          </select>
        </label>
      )}
      <button type="button" class="small" data-testid="test-sound" onClick={() => void playTestSound()}>
        {t('meeting.devices.testSound')}
      </button>
    </div>
  );
}
