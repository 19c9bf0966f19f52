// A run whose picture stands still. ffmpeg composes the tiles frame by frame
// and waits for a frame of each one: a single video that stops coming (its
// decoder waiting for a keyframe that never comes, a sender that went quiet
// without leaving) holds the whole picture still, and with it the stream's
// segments and viewers, with no error and no exit. (A silent microphone
// cannot: the relay fills it, see relay.ts.) The watch asks every camera for
// a keyframe first, which is cheap and mends a broken picture; if the picture
// still stands, the run is ended and a new one starts, as when ffmpeg exits
// on its own.

/** A picture still for this long gets every video asked for a keyframe. */
export const STALL_ASK_MS = 5_000;
/** Still for this long (keyframes asked for meanwhile): the run is ended and started again. */
export const STALL_RESTART_MS = 15_000;

export type StallStep = 'ask' | 'restart' | null;

/** What to do about a run (`run`: any identity of it) whose picture has not moved for `idleMs`; each step once per run. */
export class StallWatch<Run extends object> {
  readonly #done = new WeakMap<Run, 'ask' | 'restart'>();

  step(run: Run, idleMs: number): StallStep {
    const done = this.#done.get(run);
    if (done === 'restart') return null;
    if (idleMs >= STALL_RESTART_MS) {
      this.#done.set(run, 'restart');
      return 'restart';
    }
    if (idleMs >= STALL_ASK_MS && !done) {
      this.#done.set(run, 'ask');
      return 'ask';
    }
    // Moving again: a later stall of the same run is asked about again.
    if (idleMs < STALL_ASK_MS && done) this.#done.delete(run);
    return null;
  }
}
