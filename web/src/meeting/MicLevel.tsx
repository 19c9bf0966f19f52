import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { listenTo } from './mic-listener.ts';

/**
 * How loud the microphone is, as a bar: people see that it hears them
 * before they join (and which one does, when there are several). A decaying
 * peak, so short syllables show as well as long vowels.
 */
export function MicLevel({ track }: { track: MediaStreamTrack | null }) {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    setLevel(0);
    if (!track || track.readyState === 'ended') return;
    // A copy: the meter keeps hearing while the real track is muted.
    const mic = listenTo(track, 2048);
    let shown = 0;
    const timer = setInterval(() => {
      shown = Math.max(mic.peak(), shown * 0.8);
      setLevel(Math.min(100, Math.round(shown * 140)));
    }, 80);
    return () => {
      clearInterval(timer);
      mic.stop();
    };
  }, [track]);
  return (
    <div class="mic-level" role="meter" aria-label={t('meeting.devices.level')} aria-valuemin={0} aria-valuemax={100} aria-valuenow={level} data-testid="mic-level" data-level={level}>
      <span style={{ width: `${level}%` }} />
    </div>
  );
}
