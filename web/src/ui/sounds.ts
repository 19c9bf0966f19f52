// Short synthesized sounds (reactions, knocks): no audio files to ship, one
// AudioContext for the page, and each sound's on/off choice kept in this
// browser.
import { effect, signal, type Signal } from '@preact/signals';

/** A boolean preference stored under `key` (on unless turned off). */
export function storedToggle(key: string): Signal<boolean> {
  const s = signal(localStorage.getItem(key) !== 'off');
  effect(() => localStorage.setItem(key, s.value ? 'on' : 'off'));
  return s;
}

export interface Tone {
  /** Seconds after now. */
  at?: number;
  type: OscillatorType;
  /** Pitch glides from `from` to `to` Hz over `glide` s. */
  from: number;
  to: number;
  glide: number;
  /** Gain rises to `peak` in `attack` s, fades out by `decay` s, stops at `stop` s. */
  peak: number;
  attack: number;
  decay: number;
  stop: number;
}

let ctx: AudioContext | undefined;

export function playTones(tones: Tone[]): void {
  try {
    ctx ??= new AudioContext();
    if (ctx.state === 'suspended') void ctx.resume();
    for (const tone of tones) {
      const t = ctx.currentTime + (tone.at ?? 0);
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = tone.type;
      osc.frequency.setValueAtTime(tone.from, t);
      osc.frequency.exponentialRampToValueAtTime(tone.to, t + tone.glide);
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(tone.peak, t + tone.attack);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + tone.decay);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + tone.stop);
    }
  } catch {
    // No audio output available: what the sound announces still shows.
  }
}
