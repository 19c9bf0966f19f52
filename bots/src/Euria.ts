// Euria, the suite's bot: a real account with its own token, speaking the
// same /chat protocol as any client. It takes jobs from the bots queue
// (BullMQ on Redis): the welcome of each newcomer of an organization, and
// the daily agendas the server's agenda clock queues.
//
// Exactly once per person (welcome) or per reminder and day (agenda): the
// server enqueues with a fixed job id (a second enqueue is ignored), and
// Euria sends with a fixed clientId (a retried job whose first try did send
// gets the first message back instead of a second).
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { AgendaJobSchema, agendaClientId, isJob, jobProblem, requester, welcomeClientId, WelcomeJobSchema, type AgendaJob, type ChatClientToServerEvents, type ChatServerToClientEvents, type MessageView, type WelcomeJob } from '@parley/protocol';
import { connectRedis } from '@parley/platform';
import { renderWelcome } from './welcome.ts';

export interface EuriaOptions {
  /** The server's base URL (any node: the /chat namespace is the same everywhere). */
  serverUrl: string;
  token: string;
  redisUrl: string;
  queueName: string;
  log: Logger;
  concurrency?: number;
  /** Tests: runs after a welcome was sent, before its job completes (a crash there means a retry). */
  afterSend?: (job: WelcomeJob, message: MessageView) => Promise<void> | void;
}

type BotSocket = Socket<ChatServerToClientEvents, ChatClientToServerEvents>;

export class Euria {
  readonly #opts: EuriaOptions;
  readonly #socket: BotSocket;
  // Its jobs' data is unknown until checked (see #run).
  #worker: Worker<unknown> | undefined;
  #connection: ReturnType<typeof connectRedis> | undefined;

  constructor(opts: EuriaOptions) {
    this.#opts = opts;
    // Socket.IO reconnects by itself; requests made meanwhile time out and the job is retried.
    this.#socket = io(`${opts.serverUrl}/chat`, { auth: { token: opts.token }, transports: ['websocket'], reconnectionDelayMax: 5000 });
    // The server may still be starting: say so quietly, and loudly once connected.
    this.#socket.on('connect_error', (err) => opts.log.debug({ err: err.message }, 'euria cannot reach the server yet'));
    this.#socket.on('connect', () => opts.log.info({ serverUrl: opts.serverUrl }, 'euria connected'));
  }

  start(): this {
    this.#connection = connectRedis(this.#opts.redisUrl, 'euria', { bullmq: true });
    this.#worker = new Worker<unknown>(this.#opts.queueName, (job) => this.#run(job), {
      connection: this.#connection,
      concurrency: this.#opts.concurrency ?? 4,
    });
    this.#worker.on('failed', (job, err) => this.#opts.log.warn({ job: job?.id, attempt: job?.attemptsMade, err: err.message }, 'euria job failed'));
    return this;
  }

  async #run(job: Job<unknown>): Promise<void> {
    // Anyone who can write to Redis can write a job: checked before anything is sent, and never retried.
    if (job.name === 'agenda') {
      if (!isJob(AgendaJobSchema, job.data)) throw new UnrecoverableError(`agenda job refused: ${jobProblem(AgendaJobSchema, job.data)}`);
      return this.#agenda(job.data);
    }
    if (job.name !== 'welcome') throw new UnrecoverableError(`unknown bot job "${job.name}"`);
    if (!isJob(WelcomeJobSchema, job.data)) throw new UnrecoverableError(`welcome job refused: ${jobProblem(WelcomeJobSchema, job.data)}`);
    const w = job.data;
    const { channel } = await this.#request('dm:open', { orgId: w.orgId, userIds: [w.userId] });
    const { message } = await this.#request('message:send', {
      channelId: channel.id,
      clientId: welcomeClientId(w.orgId, w.userId),
      text: renderWelcome(w),
    });
    await this.#opts.afterSend?.(w, message);
    this.#opts.log.info({ org: w.orgId, user: w.userId }, 'welcome sent');
  }

  /** A day's agenda, rendered by the server, in a direct message. */
  async #agenda(a: AgendaJob): Promise<void> {
    const { channel } = await this.#request('dm:open', { orgId: a.orgId, userIds: [a.userId] });
    await this.#request('message:send', { channelId: channel.id, clientId: agendaClientId(a.reminderId, a.day), text: a.text });
    this.#opts.log.info({ org: a.orgId, user: a.userId, day: a.day }, 'agenda sent');
  }

  /** A request as any chat client sends it, typed by the protocol's event map (RequestError when refused). */
  readonly #request = requester<ChatClientToServerEvents>(() => this.#socket);

  async close(): Promise<void> {
    await this.#worker?.close();
    this.#connection?.disconnect();
    this.#socket.close();
  }
}
