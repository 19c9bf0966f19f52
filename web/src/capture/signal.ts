// The signal everyone hears when a recording or a live stream starts: three
// rising chimes, so nobody is recorded without noticing (as in Jitsi).
import { signal } from '@preact/signals';
import { playTones, type Tone } from '../ui/sounds.ts';

/** Signals played so far (headless test browsers have no speakers to listen to). */
export const captureSignalsPlayed = signal(0);

const chime = (at: number, hz: number): Tone => ({ at, type: 'sine', from: hz, to: hz, glide: 0.01, peak: 0.2, attack: 0.01, decay: 0.25, stop: 0.3 });

export function playCaptureSignal(): void {
  captureSignalsPlayed.value += 1;
  playTones([chime(0, 660), chime(0.18, 880), chime(0.36, 1100)]);
}
