// The knock moderators hear when someone waits: two short low thuds,
// synthesized like the reaction sound. Each moderator can silence it; the
// choice is kept in this browser.
import { effect, signal } from '@preact/signals';

const KEY = 'parley:knockSound';
export const knockSoundEnabled = signal(localStorage.getItem(KEY) !== 'off');
effect(() => localStorage.setItem(KEY, knockSoundEnabled.value ? 'on' : 'off'));
/** Knocks played so far (the end-to-end tests read it: headless Chromium has no speakers to listen to). */
export const knocksPlayed = signal(0);

let ctx: AudioContext | undefined;

export function playKnockSound(): void {
  if (!knockSoundEnabled.value) return;
  knocksPlayed.value += 1;
  try {
    ctx ??= new AudioContext();
    if (ctx.state === 'suspended') void ctx.resume();
    for (const offset of [0, 0.16]) {
      const t = ctx.currentTime + offset;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'triangle';
      osc.frequency.setValueAtTime(180, t);
      osc.frequency.exponentialRampToValueAtTime(90, t + 0.08);
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.3, t + 0.005);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.1);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + 0.12);
    }
  } catch {
    // No audio output: the waiting list still shows.
  }
}
