// The daily agendas' clock: a BullMQ job scheduler adds a "tick" job every
// minute, and whichever server node's worker takes it runs Agenda.tick.
// Several nodes share one scheduler (upserting it is idempotent), so a
// minute is one job, not one per node; should two ticks still overlap (a
// slow one, a retry), Agenda's delivery is exactly once anyway.
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { connectRedis } from '../../redis.ts';
import type { Agenda } from './Agenda.ts';

export const TICK_EVERY_MS = 60_000;

export async function startAgendaTicks(opts: { redisUrl: string; queueName: string; agenda: Agenda; log: Logger; clock?: () => number }): Promise<{ close(): Promise<void> }> {
  const connection = connectRedis(opts.redisUrl, 'agenda', { bullmq: true });
  const queue = new Queue(opts.queueName, { connection });
  await queue.upsertJobScheduler('agenda-tick', { every: TICK_EVERY_MS }, { name: 'tick', data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  const worker = new Worker(
    opts.queueName,
    async (job) => {
      if (job.name !== 'tick') throw new Error(`unknown agenda job "${job.name}"`);
      const sent = await opts.agenda.tick((opts.clock ?? Date.now)());
      if (sent) opts.log.info({ sent }, 'daily agendas sent');
    },
    { connection, concurrency: 1 },
  );
  worker.on('failed', (job, err) => opts.log.warn({ job: job?.id, err: err.message }, 'agenda tick failed'));
  return {
    async close() {
      await worker.close();
      await queue.close();
      connection.disconnect();
    },
  };
}
