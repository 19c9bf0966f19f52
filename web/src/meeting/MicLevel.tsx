import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';

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
    // A copy: the meter keeps hearing while the real track is muted (enabled = false).
    const copy = track.clone();
    copy.enabled = true;
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    ctx.createMediaStreamSource(new MediaStream([copy])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let shown = 0;
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const v of samples) peak = Math.max(peak, Math.abs(v));
      shown = Math.max(peak, shown * 0.8);
      setLevel(Math.min(100, Math.round(shown * 140)));
    }, 80);
    return () => {
      clearInterval(timer);
      copy.stop();
      void ctx.close();
    };
  }, [track]);
  return (
    <div class="mic-level" role="meter" aria-label={t('meeting.devices.level')} aria-valuemin={0} aria-valuemax={100} aria-valuenow={level} data-testid="mic-level" data-level={level}>
      <span style={{ width: `${level}%` }} />
    </div>
  );
}
