// A run whose picture stands still, and the videos that would hold it.
// ffmpeg composes the tiles frame by frame and waits for a frame of each
// one: a single video that stops coming (its
// decoder waiting for a keyframe that never comes, a sender that went quiet
// without leaving) holds the whole picture still, and with it the stream's
// segments and viewers, with no error and no exit. (A silent microphone
// cannot: the relay fills it, see relay.ts.) The watch asks every camera for
// a keyframe first, which is cheap and mends a broken picture; if the picture
// still stands, the run is ended and a new one starts, as when ffmpeg exits
// on its own. A video that sends nothing at all (a phone's camera put in the
// background, a sender that froze) is left out of the picture until it sends
// again: the run would wait for it forever, and its restart too.

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

/** A camera that sent nothing for this long leaves the picture until it sends again. */
export const QUIET_MS = 5_000;
/**
 * A shared screen's: a static screen is sent at about a frame a second, in
 * clumps (LiveKit found 3 s windows with nothing in them, livekit/livekit#683),
 * and the stage leaving the picture would cost more than a picture that moves in jumps.
 */
export const SCREEN_QUIET_MS = 12_000;

/** Which videos went quiet, from their relays' packet counts, read every few hundred milliseconds. */
export class QuietVideos {
  readonly #seen = new Map<string, { packets: number; at: number }>();
  readonly ids = new Set<string>();

  /** A set of quiet videos as one string, to compare the set a run was started with to the current one. */
  static key(ids: Iterable<string>): string {
    return [...ids].sort().join('\n');
  }

  /** Notes what each video received by `now`; answers whether a video went quiet or came back since the last call. */
  observe(videos: { id: string; packets: number; screen?: boolean }[], now: number): boolean {
    let changed = false;
    const present = new Set(videos.map((v) => v.id));
    // A video no longer consumed is forgotten: its clock starts again when it is.
    for (const id of this.#seen.keys()) {
      if (!present.has(id)) {
        this.#seen.delete(id);
        this.ids.delete(id);
      }
    }
    for (const v of videos) {
      const seen = this.#seen.get(v.id);
      if (!seen || seen.packets !== v.packets) {
        this.#seen.set(v.id, { packets: v.packets, at: now });
        if (seen && this.ids.delete(v.id)) changed = true;
      } else if (now - seen.at >= (v.screen ? SCREEN_QUIET_MS : QUIET_MS) && !this.ids.has(v.id)) {
        this.ids.add(v.id);
        changed = true;
      }
    }
    return changed;
  }
}
