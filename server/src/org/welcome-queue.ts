// The bots' job queue (BullMQ): the server enqueues Euria's welcome of each
// newcomer; the bots process (bots/) sends it. Exactly once per person and
// organization, whatever the number of server nodes, bots or retries: the
// job id makes a second enqueue a no-op, and the bot's message clientId makes
// a retried job's second send a no-op (Chat.send is idempotent on it).
import { Queue } from 'bullmq';
import { welcomeJobId, type WelcomeJob } from '@parley/protocol';
import { connectRedis } from '../redis.ts';

export interface WelcomeQueue {
  add(job: WelcomeJob): Promise<void>;
  close(): Promise<void>;
}

export function welcomeQueue(redisUrl: string, name: string): WelcomeQueue {
  const connection = connectRedis(redisUrl, 'bots-queue', { bullmq: true });
  const queue = new Queue<WelcomeJob>(name, { connection });
  return {
    async add(job) {
      await queue.add('welcome', job, {
        jobId: welcomeJobId(job.orgId, job.userId),
        attempts: 10,
        backoff: { type: 'exponential', delay: 2000 },
        // Kept a month: the id still dedupes a late second enqueue.
        removeOnComplete: { age: 30 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      });
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
