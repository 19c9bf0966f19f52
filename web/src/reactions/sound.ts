// Reaction sounds: a short rising blip; each person can turn them off, and
// the choice is kept.
import { playTones, storedToggle } from '../ui/sounds.ts';

export const reactionSoundsEnabled = storedToggle('parley:reactionSounds');

export function playReactionSound(): void {
  playTones([{ type: 'sine', from: 660, to: 990, glide: 0.09, peak: 0.15, attack: 0.015, decay: 0.18, stop: 0.2 }]);
}
