// Reaction sounds are synthesized (a short two-tone blip), so there is no
// audio file to ship; each person can turn them off, and the choice is kept.
import { signal, effect } from '@preact/signals';

const KEY = 'parley:reactionSounds';
export const reactionSoundsEnabled = signal(localStorage.getItem(KEY) !== 'off');
effect(() => localStorage.setItem(KEY, reactionSoundsEnabled.value ? 'on' : 'off'));

let ctx: AudioContext | undefined;

export function playReactionSound(): void {
  try {
    ctx ??= new AudioContext();
    if (ctx.state === 'suspended') void ctx.resume();
    const t = ctx.currentTime;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(660, t);
    osc.frequency.exponentialRampToValueAtTime(990, t + 0.09);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.15, t + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.18);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.2);
  } catch {
    // No audio output available: reactions still show.
  }
}
