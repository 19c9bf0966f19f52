// The bots' job queue (BullMQ): the server enqueues Euria's work (the
// welcome of each newcomer, each daily agenda); the bots process (bots/)
// sends it. Exactly once, whatever the number of server nodes, bots or
// retries: the job id makes a second enqueue a no-op, and the bot's message
// clientId makes a retried job's second send a no-op (Chat.send is
// idempotent on it).
import { Queue, type JobsOptions } from 'bullmq';
import { agendaJobId, welcomeJobId, type AgendaJob, type WelcomeJob } from '@parley/protocol';
import { connectRedis } from '@parley/platform';

export interface BotQueue {
  add(job: WelcomeJob): Promise<void>;
  addAgenda(job: AgendaJob): Promise<void>;
  close(): Promise<void>;
}

const OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 2000 },
  // Kept a month: the id still dedupes a late second enqueue.
  removeOnComplete: { age: 30 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export function botQueue(redisUrl: string, name: string): BotQueue {
  const connection = connectRedis(redisUrl, 'bots-queue', { bullmq: true });
  const queue = new Queue<WelcomeJob | AgendaJob>(name, { connection });
  return {
    async add(job) {
      await queue.add('welcome', job, { ...OPTIONS, jobId: welcomeJobId(job.orgId, job.userId) });
    },
    async addAgenda(job) {
      await queue.add('agenda', job, { ...OPTIONS, jobId: agendaJobId(job.reminderId, job.day) });
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
