import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { DomainError, TypedEmitter } from '@parley/protocol';
import type { SfuConfig } from './config.ts';
import { MediaPortInUse } from './errors.ts';

/** One mediasoup worker process and its WebRtcServer (one UDP + one TCP port). */
export class MediaWorker {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  /** Participants whose transports live on this worker; the pool balances on it. */
  peers = 0;

  constructor(index: number, worker: types.Worker, webRtcServer: types.WebRtcServer) {
    this.index = index;
    this.worker = worker;
    this.webRtcServer = webRtcServer;
  }

  get pid(): number {
    return this.worker.pid;
  }

  get alive(): boolean {
    return !this.worker.closed && !this.worker.died;
  }
}

export class MediaUnavailable extends DomainError {
  constructor() {
    super('MEDIA_UNAVAILABLE', 'no media worker is available, try again shortly');
  }
}

export interface WorkerPoolEvents {
  /** Emitted after the worker's routers have closed; rooms move their participants. */
  workerDied: [worker: MediaWorker];
  workerStarted: [worker: MediaWorker];
}

/**
 * Starts one mediasoup worker per slot and keeps the slots filled: a worker
 * that dies is reported (so rooms can move their participants) and replaced
 * on the same port, while the Node process carries on.
 */
export class WorkerPool extends TypedEmitter<WorkerPoolEvents> {
  readonly #config: SfuConfig;
  readonly #log: Logger;
  readonly #slots: (MediaWorker | undefined)[];
  #closed = false;
  #respawnTimers = new Set<NodeJS.Timeout>();

  private constructor(config: SfuConfig, log: Logger) {
    super();
    this.#config = config;
    this.#log = log;
    this.#slots = new Array<MediaWorker | undefined>(config.workers).fill(undefined);
    this.onListenerError = (error, event) => log.error({ err: error, event }, 'worker pool listener failed');
  }

  static async create(config: SfuConfig, log: Logger): Promise<WorkerPool> {
    // mediasoup logs go to our logger, not to the `debug` module.
    mediasoup.setLogEventListeners({
      onwarn: (ns, msg) => log.warn({ ns }, msg),
      onerror: (ns, msg, err) => log.error({ ns, err }, msg),
    });
    const pool = new WorkerPool(config, log);
    try {
      await Promise.all(pool.#slots.map((_, i) => pool.#start(i)));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Live workers. */
  get workers(): MediaWorker[] {
    return this.#slots.filter((w): w is MediaWorker => w !== undefined && w.alive);
  }

  /** The least loaded live worker, preferring ones not in `avoid`. */
  pick(avoid: ReadonlySet<MediaWorker> = new Set()): MediaWorker {
    const live = this.workers;
    if (live.length === 0) throw new MediaUnavailable();
    const fresh = live.filter((w) => !avoid.has(w));
    const pool = fresh.length > 0 ? fresh : live;
    return pool.reduce((best, w) => (w.peers < best.peers ? w : best));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#respawnTimers) clearTimeout(t);
    for (const w of this.#slots) w?.worker.close();
    this.removeAllListeners();
  }

  async #start(index: number): Promise<MediaWorker> {
    const cfg = this.#config;
    const worker = await mediasoup.createWorker({
      logLevel: cfg.logLevel,
      ...(cfg.workerBin ? { workerBin: cfg.workerBin } : {}),
      appData: { index },
    });
    let webRtcServer: types.WebRtcServer;
    try {
      const port = cfg.port > 0 ? { port: cfg.port + index } : {};
      const address = cfg.announcedAddress ? { announcedAddress: cfg.announcedAddress } : {};
      webRtcServer = await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ip: cfg.listenIp, ...address, ...port },
          { protocol: 'tcp', ip: cfg.listenIp, ...address, ...port },
        ],
      });
    } catch (error) {
      worker.close();
      // mediasoup says "uv_udp_bind() failed [protocol:udp, ip:..., port:40000]: address already in use".
      const busy = /\[protocol:(udp|tcp),.*port:(\d+)\]: address already in use/i.exec(String((error as Error)?.message));
      if (busy) throw new MediaPortInUse(Number(busy[2]), busy[1] as 'udp' | 'tcp', error);
      throw error;
    }
    const mw = new MediaWorker(index, worker, webRtcServer);
    if (this.#closed) {
      worker.close();
      return mw;
    }
    this.#slots[index] = mw;
    worker.on('died', (error) => this.#onDied(mw, error));
    this.#log.info({ worker: index, pid: worker.pid }, 'media worker started');
    this.emit('workerStarted', mw);
    return mw;
  }

  #onDied(mw: MediaWorker, error: Error): void {
    this.#log.error({ worker: mw.index, pid: mw.pid, err: error }, 'media worker died; moving its participants');
    if (this.#slots[mw.index] === mw) this.#slots[mw.index] = undefined;
    this.emit('workerDied', mw);
    this.#respawn(mw.index, 0);
  }

  #respawn(index: number, attempt: number): void {
    if (this.#closed) return;
    // The dead process releases its port at once; back off only if starting fails.
    const delay = attempt === 0 ? 0 : Math.min(30_000, 500 * 2 ** attempt);
    const timer = setTimeout(() => {
      this.#respawnTimers.delete(timer);
      this.#start(index).catch((error: unknown) => {
        this.#log.error({ worker: index, err: error, attempt }, 'media worker restart failed');
        this.#respawn(index, attempt + 1);
      });
    }, delay);
    this.#respawnTimers.add(timer);
  }
}
