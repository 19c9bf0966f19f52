import { useEffect, useRef, useState } from 'preact/hooks';

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

/**
 * A video whose track changes without a black flash (the stage, when the
 * speaker changes): the new track plays in a second element, hidden, and
 * takes the front only once it has a frame to show.
 */
export function SmoothVideo({ track, mirror = false, fit = 'cover' }: { track: MediaStreamTrack | null; mirror?: boolean; fit?: 'cover' | 'contain' }) {
  const a = useRef<HTMLVideoElement>(null);
  const b = useRef<HTMLVideoElement>(null);
  const [front, setFront] = useState<'a' | 'b'>('a');
  const shown = useRef<MediaStreamTrack | null>(null);
  useEffect(() => {
    if (track === shown.current) return;
    const first = shown.current === null;
    shown.current = track;
    // The first track goes straight to the front; later ones load behind it.
    const target = first ? front : front === 'a' ? 'b' : 'a';
    const el = (target === 'a' ? a : b).current;
    if (!el) return;
    if (!track) {
      el.srcObject = null;
      setFront(target);
      return;
    }
    el.srcObject = new MediaStream([track]);
    el.play().catch(() => undefined);
    if (first) return;
    let done = false;
    const old = (target === 'a' ? b : a).current;
    const swap = () => {
      if (done || shown.current !== track) return;
      done = true;
      setFront(target);
      // The previous speaker's picture is not decoded behind the new one
      // (once the new one is in front: clearing it now would flash black).
      const previous = old?.srcObject;
      setTimeout(() => {
        if (old && old.srcObject === previous && shown.current === track) old.srcObject = null;
      }, 250);
    };
    el.addEventListener('loadeddata', swap, { once: true });
    // A track that never yields a frame (paused at its source) still takes the front.
    const timer = setTimeout(swap, 1500);
    return () => {
      clearTimeout(timer);
      el.removeEventListener('loadeddata', swap);
    };
  }, [track]);
  const cls = (which: 'a' | 'b') => `video ${mirror ? 'mirror' : ''} fit-${fit} ${front === which ? 'front' : 'back'}`;
  return (
    <div class="smooth-video">
      <video ref={a} autoPlay playsInline muted class={cls('a')} />
      <video ref={b} autoPlay playsInline muted class={cls('b')} />
    </div>
  );
}

/** Plays one remote audio track; reports when the browser's autoplay policy blocks it. */
export function Audio({ track, onBlocked, sinkId }: { track: MediaStreamTrack; onBlocked: (el: HTMLAudioElement) => void; sinkId?: string }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current as (HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (el?.setSinkId && sinkId !== undefined) void el.setSinkId(sinkId).catch(() => el.setSinkId!('').catch(() => undefined));
  }, [sinkId]);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = new MediaStream([track]);
    el.play().catch(() => onBlocked(el));
  }, [track]);
  return <audio ref={ref} autoPlay />;
}
