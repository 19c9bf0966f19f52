// The Socket.IO Redis adapter, minus the round trip when a node is alone.
//
// The Redis adapter publishes every broadcast so that other nodes deliver it
// to their sockets too. A single node (the default deployment: Redis is
// there for BullMQ) would publish each one to nobody but itself, and then
// decode its own copy only to drop it: about a tenth of the server's CPU
// under chat load (bench/chat-fanout.ts). So each node tracks whether any
// other node listens, and broadcasts locally while none does.
//
// Safety: a node starting next to others must never miss a broadcast meant
// for its sockets. It subscribes, says hello on a shared channel, and does
// not accept sockets until every node counted on that channel has answered
// (or a few seconds pass). A node that hears a hello publishes from then on.
// Going back to local-only needs a subscriber count of one, asked after the
// last hello was heard. A subscriber connection that comes back after a drop
// says hello again.
import type { Redis } from 'ioredis';
import { createAdapter, type RedisAdapter } from '@socket.io/redis-adapter';
import { Adapter, type BroadcastOptions } from 'socket.io-adapter';
import crypto from 'node:crypto';

/** How often a node asks whether it is alone again. */
const CHECK_MS = 5_000;
/** A newcomer waits at most this long for the others' answers. */
const HELLO_WAIT_MS = 3_000;

export class PeerWatch {
  readonly id = crypto.randomUUID();
  /** Unknown until asked: publishing is the safe guess. */
  alone = false;
  readonly #pub: Redis;
  readonly #sub: Redis;
  /** Bumped by every hello heard: a count asked before it is stale. */
  #heard = 0;
  #timer: NodeJS.Timeout | undefined;
  #answers = new Set<string>();
  #onAnswer: (() => void) | undefined;
  readonly #onMessage = (channel: string, text: string) => {
    if (channel !== this.#channel) return;
    const [kind, from, to] = text.split(' ');
    if (!from || from === this.id) return;
    if (kind === 'hello') {
      this.#heard++;
      this.alone = false;
      void this.#pub.publish(this.#channel, `here ${this.id} ${from}`).catch(() => undefined);
    } else if (kind === 'here' && to === this.id) {
      this.#answers.add(from);
      this.#onAnswer?.();
    }
  };
  readonly #onReady = () => void this.#hello().catch(() => undefined);
  readonly #checkMs: number;
  readonly #channel: string;

  /** `cluster`: the nodes that count each other (CLUSTER_NAME). */
  constructor(pub: Redis, sub: Redis, opts: { cluster: string; checkMs?: number }) {
    this.#pub = pub;
    this.#sub = sub;
    this.#channel = `${opts.cluster}#nodes`;
    this.#checkMs = opts.checkMs ?? CHECK_MS;
  }

  /** Subscribes and greets the others; resolves once they have all answered (or after a few seconds). */
  async start(): Promise<void> {
    this.#sub.on('message', this.#onMessage);
    await this.#sub.subscribe(this.#channel);
    // ioredis subscribes again by itself after a reconnection; the others may
    // have counted this node gone meanwhile.
    this.#sub.on('ready', this.#onReady);
    await this.#hello();
    this.#timer = setInterval(() => void this.#check().catch(() => undefined), this.#checkMs);
    this.#timer.unref();
  }

  async #hello(): Promise<void> {
    this.alone = false;
    const others = (await this.#count()) - 1;
    if (others <= 0) return void (this.alone = await this.#aloneNow());
    this.#answers.clear();
    const answered = new Promise<void>((resolve) => {
      this.#onAnswer = () => this.#answers.size >= others && resolve();
      setTimeout(resolve, HELLO_WAIT_MS).unref();
    });
    await this.#pub.publish(this.#channel, `hello ${this.id}`);
    await answered;
    this.#onAnswer = undefined;
  }

  async #count(): Promise<number> {
    const reply = (await this.#pub.call('pubsub', 'numsub', this.#channel)) as [string, number | string];
    return Number(reply[1]);
  }

  /** Alone only if no hello came between the question and its answer. */
  async #aloneNow(): Promise<boolean> {
    const heard = this.#heard;
    const count = await this.#count();
    return count <= 1 && heard === this.#heard;
  }

  async #check(): Promise<void> {
    this.alone = await this.#aloneNow();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#sub.off('message', this.#onMessage);
    this.#sub.off('ready', this.#onReady);
  }
}

/** The Redis adapter for every namespace, publishing only while another node listens. */
export function peerAwareAdapter(pub: Redis, sub: Redis, peers: PeerWatch, cluster: string): (nsp: unknown) => RedisAdapter {
  // The adapter's channels are named after the cluster too.
  const make = createAdapter(pub, sub, { key: `${cluster}#socket.io` });
  // Socket.IO calls it with `new`: a function, not an arrow.
  return function (nsp: unknown) {
    const adapter = make(nsp);
    const publishing = adapter.broadcast.bind(adapter);
    adapter.broadcast = (packet: unknown, opts: BroadcastOptions) => {
      if (!peers.alone) return publishing(packet, opts);
      // The in-memory adapter's own broadcast: this node's sockets only.
      Adapter.prototype.broadcast.call(adapter, packet, opts);
    };
    return adapter;
  };
}
