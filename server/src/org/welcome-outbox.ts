// Euria's welcomes, from the welcome_outbox rows written in the transaction
// that added each member, to the bots' queue. A row stays pending until the
// queue has taken its job: a Redis outage at the moment someone joins only
// delays their welcome. Several nodes sweep at once without sending twice:
// a row is claimed with SKIP LOCKED, and the job id (welcomeJobId) makes a
// second hand-over of the same welcome a no-op anyway.
import type { Logger } from 'pino';
import type { BotQueue } from './bot-queue.ts';
import { welcomeContext } from './Orgs.ts';
import type { OrgStore } from './store.ts';

/** How often pending welcomes are looked for (besides right after each join). */
const SWEEP_MS = 5000;
/** A queue that does not answer in this time is taken as down; the row waits for the next sweep. */
const ADD_TIMEOUT_MS = 5000;

export class WelcomeOutbox {
  readonly #store: OrgStore;
  readonly #queue: Pick<BotQueue, 'add'>;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;
  #again = false;

  constructor(deps: { store: OrgStore; queue: Pick<BotQueue, 'add'>; log: Logger }) {
    this.#store = deps.store;
    this.#queue = deps.queue;
    this.#log = deps.log;
  }

  start(): void {
    this.#timer = setInterval(() => this.poke(), SWEEP_MS);
    this.#timer.unref();
    this.poke();
  }

  /** Sweeps now (a member was just added), or right after the sweep in progress. */
  poke(): void {
    if (this.#sweeping) {
      this.#again = true;
      return;
    }
    this.#sweeping = this.sweep()
      .catch((error: unknown) => {
        this.#log.warn({ err: error }, 'welcome sweep failed; pending welcomes wait for the next one');
        return 0;
      })
      .finally(() => {
        this.#sweeping = undefined;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  /** Hands every pending welcome to the queue; answers how many it handed over. */
  async sweep(): Promise<number> {
    let handed = 0;
    for (let round = 0; round < 100; round++) {
      const done = await this.#store.tx(async (store) => {
        const row = await store.claimWelcome();
        if (!row) return null;
        // Inside the transaction (PGlite has one connection: a query beside it would wait for it for ever).
        const ctx = await welcomeContext(store, row.org_id, row.user_id);
        if (ctx) {
          try {
            await withTimeout(this.#queue.add({ orgId: row.org_id, userId: row.user_id, ...ctx }), ADD_TIMEOUT_MS);
          } catch (error) {
            await store.welcomeFailed(row.org_id, row.user_id);
            this.#log.warn({ err: error, orgId: row.org_id, userId: row.user_id }, 'welcome not queued yet; it is tried again');
            return 'failed';
          }
        }
        // Queued, or the member is gone already (nobody to welcome).
        await store.welcomeQueued(row.org_id, row.user_id, Date.now());
        return 'queued';
      });
      if (done !== 'queued') break;
      handed += 1;
    }
    return handed;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the queue in ${ms} ms`)), ms);
    }),
  ]);
}
