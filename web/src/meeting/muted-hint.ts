// "You are muted": when someone talks with the microphone muted, as Jitsi
// and every meeting app tell them. The microphone is listened to (a copy,
// see mic-listener.ts) while muted, and only then.
import { effect } from '@preact/signals';
import { listenTo } from './mic-listener.ts';

/** Peak level (0..1) above which the room would hear a voice. */
const SPEECH_PEAK = 0.05;
/** Looked at every 250 ms, each look over the last ~0.7 s (so no syllable falls between two looks). */
const LOOK_MS = 250;
/** Loud looks among the last 8 (2 s) that make it talking, not a cough or a door. */
const LOUD_LOOKS = 5;
/** Once said, not again for this long. */
const QUIET_AFTER_MS = 15_000;

export function watchMutedSpeech(mic: { micTrack: { value: MediaStreamTrack | null }; micMuted: { value: boolean } }, onTalking: () => void): () => void {
  let stopListening: (() => void) | undefined;
  let lastSaid = 0;
  const stopEffect = effect(() => {
    const track = mic.micTrack.value;
    const muted = mic.micMuted.value;
    stopListening?.();
    stopListening = undefined;
    if (!track || !muted || track.readyState === 'ended') return;
    const heard = listenTo(track, 32768);
    const recent: boolean[] = [];
    const timer = setInterval(() => {
      recent.push(heard.peak() > SPEECH_PEAK);
      if (recent.length > 8) recent.shift();
      if (recent.filter(Boolean).length >= LOUD_LOOKS && Date.now() - lastSaid > QUIET_AFTER_MS) {
        lastSaid = Date.now();
        recent.length = 0;
        onTalking();
      }
    }, LOOK_MS);
    stopListening = () => {
      clearInterval(timer);
      heard.stop();
    };
  });
  return () => {
    stopEffect();
    stopListening?.();
  };
}
