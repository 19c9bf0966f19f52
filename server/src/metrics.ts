import client from 'prom-client';
import type { WorkerPool } from '@parley/sfu';
import type { Meetings } from './meet/Meetings.ts';
import type { SendStages } from './chat/batch.ts';

/** Prometheus metrics, read from live state at scrape time (nothing to keep in sync). */
export function createMetrics(meetings: Meetings, pool: WorkerPool, chat?: { sendStages: SendStages }): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'parley_process_' });

  const count = () => {
    let rooms = 0, participants = 0, transports = 0, producers = 0, consumers = 0;
    for (const m of meetings.all) {
      rooms += 1;
      for (const p of m.participants) {
        participants += 1;
        transports += p.media.transportCount;
        producers += p.media.producers.size;
        consumers += p.media.consumers.size;
      }
    }
    return { rooms, participants, transports, producers, consumers };
  };
  const gauge = (name: string, help: string, pick: (c: ReturnType<typeof count>) => number) =>
    new client.Gauge({ name, help, registers: [registry], collect() { this.set(pick(count())); } });
  gauge('parley_rooms', 'Live meetings on this node', (c) => c.rooms);
  gauge('parley_participants', 'Participants in live meetings on this node', (c) => c.participants);
  gauge('parley_transports', 'WebRTC transports', (c) => c.transports);
  gauge('parley_producers', 'Media producers', (c) => c.producers);
  gauge('parley_consumers', 'Media consumers', (c) => c.consumers);

  new client.Gauge({
    name: 'parley_media_workers',
    help: 'Live mediasoup workers',
    registers: [registry],
    collect() { this.set(pool.workers.length); },
  });
  new client.Gauge({
    name: 'parley_media_worker_cpu_seconds',
    help: 'CPU time used by each mediasoup worker (user + system), seconds',
    labelNames: ['worker'],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        pool.workers.map(async (w) => {
          const u = await w.worker.getResourceUsage().catch(() => undefined);
          if (u) this.set({ worker: String(w.index) }, (u.ru_utime + u.ru_stime) / 1000);
        }),
      );
    },
  });
  new client.Gauge({
    name: 'parley_media_worker_peers',
    help: 'Participants placed on each mediasoup worker',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of pool.workers) this.set({ worker: String(w.index) }, w.peers);
    },
  });
  if (chat) chatMetrics(registry, chat);
  return registry;
}

/** Chat sends: how many, in how many batches, and where their time went. */
function chatMetrics(registry: client.Registry, chat: { sendStages: SendStages }): void {
  const total = (name: string, help: string, pick: (s: SendStages) => number) =>
    new client.Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(pick(chat.sendStages));
      },
    });
  total('parley_chat_sends_total', 'Chat messages written by the batch writer', (s) => s.sends);
  total('parley_chat_send_batches_total', 'Batches the chat messages were written in', (s) => s.batches);
  const stages = ['queued', 'read', 'writeWait', 'write', 'announce'] as const;
  new client.Counter({
    name: 'parley_chat_send_stage_seconds_total',
    help: 'Time chat sends spent in each stage, summed over sends: queued (until their batch is read), read, writeWait (the batch before being written), write, announce (until their channel is told)',
    labelNames: ['stage'],
    registers: [registry],
    collect() {
      this.reset();
      for (const stage of stages) this.inc({ stage }, chat.sendStages[stage]);
    },
  });
}
