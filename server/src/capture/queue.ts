// The job queue between server nodes and recorder processes (BullMQ on the
// same Redis as the rest of the cluster). One queue for recordings and
// streams: a recorder takes whichever comes, up to its concurrency.
import { Queue } from 'bullmq';
import type { RecorderJob } from '@parley/protocol';
import { connectRedis } from '@parley/platform';

export interface CaptureQueue {
  add(job: RecorderJob): Promise<void>;
  /** Removes a job no recorder has taken yet; false when one already has (or it is gone). */
  cancel(captureId: string): Promise<boolean>;
  close(): Promise<void>;
}

export function bullQueue(redisUrl: string, name: string): CaptureQueue {
  const connection = connectRedis(redisUrl, 'capture-queue', { bullmq: true });
  const queue = new Queue<RecorderJob>(name, { connection });
  return {
    async add(job) {
      await queue.add(job.kind, job, {
        jobId: job.captureId,
        // A recorder that dies is noticed by BullMQ's stall check and the job
        // goes to another recorder (see recorder/); a recorder that fails
        // cleanly gets one more try.
        attempts: 2,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      });
    },
    async cancel(captureId) {
      const job = await queue.getJob(captureId);
      if (!job) return false;
      const state = await job.getState();
      if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
      await job.remove().catch(() => undefined);
      return true;
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
