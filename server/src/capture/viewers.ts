/**
 * Who watches a live stream now, counted from the viewer page's own status
 * polls (no socket, no extra request): each page sends a random viewer id
 * and is counted while it has asked within the last WINDOW_MS. One address
 * counts for at most PER_ADDRESS viewers (a household, an office behind one
 * NAT), so a script inventing ids cannot inflate the figure; everything is
 * bounded. Counted per node: behind several nodes, each sees the viewers
 * its load balancer sends it (sticky by address, as docs/operations.md says).
 */
export const WINDOW_MS = 30_000;
const PER_ADDRESS = 20;
const MAX_STREAMS = 10_000;
const MAX_VIEWERS = 200_000;

interface Seen {
  at: number;
  address: string;
}

export class LiveViewers {
  readonly #streams = new Map<string, Map<string, Seen>>();
  #total = 0;

  /** Records one poll and answers how many watch this stream now. */
  seen(liveId: string, viewer: string, address: string, now = Date.now()): number {
    let viewers = this.#streams.get(liveId);
    if (!viewers) {
      if (this.#streams.size >= MAX_STREAMS) this.#sweepAll(now);
      if (this.#streams.size >= MAX_STREAMS) return 0;
      viewers = new Map();
      this.#streams.set(liveId, viewers);
    }
    this.#sweep(viewers, now);
    const known = viewers.get(viewer);
    if (known) known.at = now;
    else if (this.#total < MAX_VIEWERS) {
      let fromAddress = 0;
      for (const s of viewers.values()) if (s.address === address) fromAddress += 1;
      if (fromAddress < PER_ADDRESS) {
        viewers.set(viewer, { at: now, address });
        this.#total += 1;
      }
    }
    return viewers.size;
  }

  /** How many watch now, without counting anyone. */
  count(liveId: string, now = Date.now()): number {
    const viewers = this.#streams.get(liveId);
    if (!viewers) return 0;
    this.#sweep(viewers, now);
    return viewers.size;
  }

  #sweep(viewers: Map<string, Seen>, now: number): void {
    for (const [id, s] of viewers) {
      if (now - s.at <= WINDOW_MS) continue;
      viewers.delete(id);
      this.#total -= 1;
    }
  }

  #sweepAll(now: number): void {
    for (const [id, viewers] of this.#streams) {
      this.#sweep(viewers, now);
      if (viewers.size === 0) this.#streams.delete(id);
    }
  }
}
