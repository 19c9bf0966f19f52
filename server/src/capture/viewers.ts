import { networkOf } from '../lib/client-address.ts';

/**
 * Who watches a live stream now, counted from the viewer page's own status
 * polls (no socket, no extra request): each page sends a random viewer id
 * and is counted while it has asked within the last WINDOW_MS. One network
 * (an IPv4 address, an IPv6 /64) counts for at most PER_NETWORK viewers (a
 * household, an office behind one NAT), so a script inventing ids cannot
 * inflate the figure. Everything is bounded: a stream's list is swept at
 * most once a second, and every stream (ended ones too) when the table is
 * full or a minute has passed. Counted per node: behind several nodes, each
 * sees the viewers its load balancer sends it (docs/operations.md).
 */
export const WINDOW_MS = 30_000;
const PER_NETWORK = 20;
const MAX_STREAMS = 10_000;
const MAX_VIEWERS = 200_000;
const SWEEP_STREAM_MS = 1000;
const SWEEP_ALL_MS = 60_000;

interface Stream {
  viewers: Map<string, { at: number; network: string }>;
  perNetwork: Map<string, number>;
  sweptAt: number;
}

export class LiveViewers {
  readonly #streams = new Map<string, Stream>();
  #total = 0;
  #sweptAllAt = 0;

  /** Records one poll and answers how many watch this stream now. */
  seen(liveId: string, viewer: string, address: string, now = Date.now()): number {
    if (this.#total >= MAX_VIEWERS || this.#streams.size >= MAX_STREAMS || now - this.#sweptAllAt > SWEEP_ALL_MS) this.#sweepAll(now);
    let stream = this.#streams.get(liveId);
    if (!stream) {
      if (this.#streams.size >= MAX_STREAMS) return 0;
      stream = { viewers: new Map(), perNetwork: new Map(), sweptAt: now };
      this.#streams.set(liveId, stream);
    }
    this.#sweep(stream, now);
    const known = stream.viewers.get(viewer);
    if (known) known.at = now;
    else if (this.#total < MAX_VIEWERS) {
      const network = networkOf(address);
      const fromNetwork = stream.perNetwork.get(network) ?? 0;
      if (fromNetwork < PER_NETWORK) {
        stream.viewers.set(viewer, { at: now, network });
        stream.perNetwork.set(network, fromNetwork + 1);
        this.#total += 1;
      }
    }
    return stream.viewers.size;
  }

  /** How many watch now, without counting anyone. */
  count(liveId: string, now = Date.now()): number {
    const stream = this.#streams.get(liveId);
    if (!stream) return 0;
    this.#sweep(stream, now);
    return stream.viewers.size;
  }

  #sweep(stream: Stream, now: number, force = false): void {
    if (!force && now - stream.sweptAt < SWEEP_STREAM_MS) return;
    stream.sweptAt = now;
    for (const [id, s] of stream.viewers) {
      if (now - s.at <= WINDOW_MS) continue;
      stream.viewers.delete(id);
      const left = (stream.perNetwork.get(s.network) ?? 1) - 1;
      if (left > 0) stream.perNetwork.set(s.network, left);
      else stream.perNetwork.delete(s.network);
      this.#total -= 1;
    }
  }

  #sweepAll(now: number): void {
    this.#sweptAllAt = now;
    for (const [id, stream] of this.#streams) {
      this.#sweep(stream, now, true);
      if (stream.viewers.size === 0) this.#streams.delete(id);
    }
  }
}
