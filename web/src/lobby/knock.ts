// The knock moderators hear when someone waits: two short low thuds. Each
// moderator can silence it; the choice is kept in this browser.
import { signal } from '@preact/signals';
import { playTones, storedToggle, type Tone } from '../ui/sounds.ts';

export const knockSoundEnabled = storedToggle('parley:knockSound');
/** Knocks played so far (the end-to-end tests read it: headless Chromium has no speakers to listen to). */
export const knocksPlayed = signal(0);

const thud = (at: number): Tone => ({ at, type: 'triangle', from: 180, to: 90, glide: 0.08, peak: 0.3, attack: 0.005, decay: 0.1, stop: 0.12 });

export function playKnockSound(): void {
  if (!knockSoundEnabled.value) return;
  knocksPlayed.value += 1;
  playTones([thud(0), thud(0.16)]);
}
