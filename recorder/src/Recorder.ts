// A recorder process's job loop: a BullMQ worker on the capture queue. Each
// job is one recording or live stream; a recorder runs several at once. If
// the process dies, BullMQ notices the job's lock expire and hands it to
// another recorder, which continues it in a new part.
import fs from 'node:fs';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { jobProblem, RecorderJobSchema, type RecorderJob } from '@parley/protocol';
import { connectRedis, type Drive } from '@parley/platform';
import { CaptureJob } from './CaptureJob.ts';

export interface RecorderOptions {
  redisUrl: string;
  /** The server's CAPTURE_QUEUE. */
  queueName: string;
  drive: Drive;
  workDir: string;
  rtpIp: string;
  /** Jobs at once. */
  concurrency: number;
  /** A job whose recorder stops renewing its lock this long is given to another. */
  lockMs: number;
  preset: string;
  flushTimeoutMs: number;
  log: Logger;
}

export interface Recorder {
  /** Jobs running now. */
  readonly running: number;
  close(): Promise<void>;
}

export async function startRecorder(o: RecorderOptions): Promise<Recorder> {
  fs.mkdirSync(o.workDir, { recursive: true });
  const jobs = new Set<CaptureJob>();
  const connection = connectRedis(o.redisUrl, 'recorder', { bullmq: true });
  const worker = new Worker<RecorderJob>(
    o.queueName,
    async (job) => {
      // Anyone who can write to Redis can write a job: it is checked before anything is done with it, and never retried.
      const problem = jobProblem(RecorderJobSchema, job.data);
      if (problem) throw new UnrecoverableError(`capture job refused: ${problem}`);
      o.log.info({ capture: job.data.captureId, kind: job.data.kind, attempt: job.attemptsStarted }, 'job taken');
      const run = new CaptureJob(job.data, { drive: o.drive, workDir: o.workDir, rtpIp: o.rtpIp, preset: o.preset, flushTimeoutMs: o.flushTimeoutMs, log: o.log });
      jobs.add(run);
      try {
        return await run.run();
      } finally {
        jobs.delete(run);
      }
    },
    {
      connection,
      concurrency: o.concurrency,
      lockDuration: o.lockMs,
      stalledInterval: Math.max(1000, Math.floor(o.lockMs / 2)),
      // A job may outlive several recorders (each death is one stall).
      maxStalledCount: 20,
    },
  );
  worker.on('failed', (job, error) => o.log.error({ err: error, capture: job?.data.captureId }, 'capture job failed'));
  worker.on('error', (error) => o.log.warn({ err: error }, 'recorder queue error'));
  await worker.waitUntilReady();
  return {
    get running() {
      return jobs.size;
    },
    async close() {
      // Running captures finish cleanly (their parts are joined or listed) before the worker lets go.
      for (const j of jobs) j.shutdown();
      await worker.close();
      connection.disconnect();
    },
  };
}
