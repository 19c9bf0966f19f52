import { useEffect, useRef } from 'preact/hooks';

/** A <video> showing one track; `mirror` for the local camera, as a mirror would. */
export function Video({ track, mirror = false, fit = 'cover', muted = true }: { track: MediaStreamTrack | null; mirror?: boolean; fit?: 'cover' | 'contain'; muted?: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (!track) {
      el.srcObject = null;
      return;
    }
    el.srcObject = new MediaStream([track]);
    el.play().catch(() => undefined);
  }, [track]);
  return <video ref={ref} autoPlay playsInline muted={muted} class={`video ${mirror ? 'mirror' : ''} fit-${fit}`} />;
}

/** Plays one remote audio track; reports when the browser's autoplay policy blocks it. */
export function Audio({ track, onBlocked }: { track: MediaStreamTrack; onBlocked: (el: HTMLAudioElement) => void }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = new MediaStream([track]);
    el.play().catch(() => onBlocked(el));
  }, [track]);
  return <audio ref={ref} autoPlay />;
}
