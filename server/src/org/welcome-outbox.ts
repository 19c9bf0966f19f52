// Euria's welcomes, from the welcome_outbox rows written in the transaction
// that added each member, to the bots' queue. A row stays pending until the
// queue has taken its job: a Redis outage at the moment someone joins only
// delays their welcome. Several nodes sweep at once without sending twice:
// a row is claimed with SKIP LOCKED, and the job id (welcomeJobId) makes a
// second hand-over of the same welcome a no-op anyway.
import type { Logger } from 'pino';
import type { Db } from '../store/db.ts';
import type { BotQueue } from './bot-queue.ts';
import type { Orgs } from './Orgs.ts';

/** How often pending welcomes are looked for (besides right after each join). */
const SWEEP_MS = 5000;
/** A queue that does not answer in this time is taken as down; the row waits for the next sweep. */
const ADD_TIMEOUT_MS = 5000;

export class WelcomeOutbox {
  readonly #db: Db;
  readonly #orgs: Orgs;
  readonly #queue: Pick<BotQueue, 'add'>;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;
  #again = false;

  constructor(deps: { db: Db; orgs: Orgs; queue: Pick<BotQueue, 'add'>; log: Logger }) {
    this.#db = deps.db;
    this.#orgs = deps.orgs;
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
      const done = await this.#db.tx(async (sql) => {
        const [row] = await sql.query<{ org_id: string; user_id: string }>(
          'select org_id, user_id from welcome_outbox where queued_at is null order by created_at limit 1 for update skip locked',
        );
        if (!row) return null;
        // Inside the transaction (PGlite has one connection: a query beside it would wait for it for ever).
        const ctx = await this.#orgs.welcomeContext(row.org_id, row.user_id, sql);
        if (ctx) {
          try {
            await withTimeout(this.#queue.add({ orgId: row.org_id, userId: row.user_id, ...ctx }), ADD_TIMEOUT_MS);
          } catch (error) {
            await sql.query('update welcome_outbox set attempts = attempts + 1 where org_id = $1 and user_id = $2', [row.org_id, row.user_id]);
            this.#log.warn({ err: error, orgId: row.org_id, userId: row.user_id }, 'welcome not queued yet; it is tried again');
            return 'failed';
          }
        }
        // Queued, or the member is gone already (nobody to welcome).
        await sql.query('update welcome_outbox set queued_at = $3 where org_id = $1 and user_id = $2', [row.org_id, row.user_id, Date.now()]);
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
