// Short notices over the video, as Jitsi shows them: who joined or left,
// a raised hand (for moderators, with a chime), "you are muted" when one
// talks while muted. At most a few at once; each fades on its own.
import { signal } from '@preact/signals';
import { playTones } from '../ui/sounds.ts';

export type ToastKind = 'joined' | 'left' | 'hand' | 'muted';

export interface Toast {
  id: number;
  kind: ToastKind;
  /** Made when shown, so it follows a language change. */
  text: () => string;
}

/** Above this many people, arrivals and departures are not announced (they would never stop). */
export const QUIET_ABOVE = 20;
const SHOWN_MS = 5000;
const AT_MOST = 4;

/** Chimes played for raised hands (the end-to-end tests read it: headless Chromium has no speakers). */
export const handChimesPlayed = signal(0);

export class Toasts {
  readonly list = signal<Toast[]>([]);
  #next = 1;

  show(kind: ToastKind, text: () => string): void {
    const toast = { id: this.#next++, kind, text };
    this.list.value = [...this.list.value, toast].slice(-AT_MOST);
    setTimeout(() => this.dismiss(toast.id), SHOWN_MS);
  }

  dismiss(id: number): void {
    this.list.value = this.list.value.filter((t) => t.id !== id);
  }

  clear(): void {
    this.list.value = [];
  }
}

/** Two soft rising notes: someone has a question. */
export function playHandChime(): void {
  handChimesPlayed.value += 1;
  playTones([
    { at: 0, type: 'sine', from: 660, to: 660, glide: 0.01, peak: 0.15, attack: 0.01, decay: 0.25, stop: 0.3 },
    { at: 0.14, type: 'sine', from: 880, to: 880, glide: 0.01, peak: 0.15, attack: 0.01, decay: 0.3, stop: 0.35 },
  ]);
}
