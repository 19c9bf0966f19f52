// The daily agendas' clock: a BullMQ job scheduler adds a "tick" job every
// minute, and whichever server node's worker takes it runs Agenda.tick.
// Several nodes share one scheduler (upserting it is idempotent), so a
// minute is one job, not one per node; should two ticks still overlap (a
// slow one, a retry), Agenda's delivery is exactly once anyway.
//
// With SMTP configured, a second scheduler on the same queue has the mail
// outbox sent every minute (suite/mail/MailSender.ts): a job of its own, so
// a slow or failing mail server never delays the agendas.
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { connectRedis } from '@parley/platform';
import type { MailSender } from '../mail/MailSender.ts';
import type { Agenda } from './Agenda.ts';

export const TICK_EVERY_MS = 60_000;

export async function startAgendaTicks(opts: { redisUrl: string; queueName: string; agenda: Agenda; mail?: MailSender; log: Logger; clock?: () => number }): Promise<{ close(): Promise<void> }> {
  const connection = connectRedis(opts.redisUrl, 'agenda', { bullmq: true });
  const queue = new Queue(opts.queueName, { connection });
  await queue.upsertJobScheduler('agenda-tick', { every: TICK_EVERY_MS }, { name: 'tick', data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  // A node without SMTP leaves the scheduler alone: another node may have it.
  if (opts.mail) await queue.upsertJobScheduler('mail-send', { every: TICK_EVERY_MS }, { name: 'mail', data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  const worker = new Worker(
    opts.queueName,
    async (job) => {
      const now = (opts.clock ?? Date.now)();
      if (job.name === 'tick') {
        const sent = await opts.agenda.tick(now);
        if (sent) opts.log.info({ sent }, 'daily agendas sent');
      } else if (job.name === 'mail') {
        // A node without SMTP that takes the job leaves the mail to the next minute's.
        const result = await opts.mail?.sendDue(now);
        if (result?.failed || result?.givenUp) opts.log.warn(result, 'mail outbox: some mail not sent (see mail_outbox.error)');
        else if (result?.sent) opts.log.info(result, 'mail outbox sent');
      } else throw new Error(`unknown agenda job "${job.name}"`);
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
