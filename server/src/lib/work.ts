// CPU-bound work driven by what people send (recurrence rules, calendar
// files) must neither stall the event loop nor run without end. Three
// bounds, each for its own reason:
//
// - A budget of work units per request: a hard cost bound, counted the same
//   on every machine (units, not milliseconds), so a rule or a file that is
//   too costly is refused the same way everywhere, with a stable code.
// - Time slices: work runs in slices of a few milliseconds and lets the
//   event loop through in between (setImmediate), so meetings, chat and
//   /healthz are served while a calendar works.
// - A gate: only a few requests do such work at once; the others wait their
//   turn (a bounded queue), so a burst of costly requests adds slices one
//   after the other instead of all at once to each turn of the event loop.
import { DomainError, type ErrorCode } from '@parley/protocol';
import { Busy } from './errors.ts';

/** Longest run between two breaths: what other requests may wait behind one. */
const SLICE_MS = 4;

export class WorkExceeded extends DomainError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
  }
}

/** A request's budget of work units and its time slices. */
export class Work {
  readonly limit: number;
  #left: number;
  #sliceStart = performance.now();
  readonly #code: ErrorCode;
  readonly #what: string;

  constructor(limit: number, opts: { code?: ErrorCode; what?: string } = {}) {
    this.limit = limit;
    this.#left = limit;
    this.#code = opts.code ?? 'TOO_COMPLEX';
    this.#what = opts.what ?? 'this request';
  }

  /** Units spent so far. */
  get spent(): number {
    return this.limit - this.#left;
  }

  /** Counts `units` of work; throws TOO_COMPLEX (or the code given) past the budget. */
  spend(units: number): void {
    this.#left -= units;
    if (this.#left < 0) throw new WorkExceeded(this.#code, `${this.#what} needs more work than this server allows for one request; simplify it`);
  }

  /** Whether the current slice is used up (check it in loops, then `await breathe()`). */
  get due(): boolean {
    return performance.now() - this.#sliceStart >= SLICE_MS;
  }

  /** Lets the event loop run other work if this slice is used up. */
  async breathe(): Promise<void> {
    if (!this.due) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#sliceStart = performance.now();
  }
}

/** A counting semaphore with a bounded queue. */
export class Gate {
  readonly #permits: number;
  readonly #maxQueue: number;
  #busy = 0;
  readonly #queue: (() => void)[] = [];

  constructor(permits: number, maxQueue: number) {
    this.#permits = permits;
    this.#maxQueue = maxQueue;
  }

  get busy(): number {
    return this.#busy;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Runs `fn` holding a permit; BUSY when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.#permits) {
      if (this.#queue.length >= this.#maxQueue) throw new Busy('the server is busy with other requests like this one; try again in a moment');
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#busy += 1;
    }
    try {
      return await fn();
    } finally {
      const next = this.#queue.shift();
      // The permit passes straight to the next in line.
      if (next) next();
      else this.#busy -= 1;
    }
  }
}
