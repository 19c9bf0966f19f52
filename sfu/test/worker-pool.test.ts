import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { MediaUnavailable, WorkerPool, type MediaWorker } from '../src/index.ts';
import { nextValue as once, testLog as log, testSfuConfig } from './fixtures.ts';

describe('WorkerPool', () => {
  let pool: WorkerPool;
  beforeAll(async () => {
    pool = await WorkerPool.create(testSfuConfig({ workers: 2 }), log);
  });
  afterAll(() => pool.close());

  test('starts one live worker per slot, each with its own WebRtcServer', () => {
    const workers = pool.workers;
    assert.equal(workers.length, 2);
    assert.deepEqual(workers.map((w) => w.index).sort(), [0, 1]);
    assert.notEqual(workers[0]!.pid, workers[1]!.pid);
    for (const w of workers) {
      assert.ok(w.alive);
      assert.ok(!w.webRtcServer.closed);
      assert.equal(w.peers, 0);
    }
  });

  test('pick() chooses the worker with the fewest peers', (t) => {
    const [w0, w1] = pool.workers as [MediaWorker, MediaWorker];
    t.onTestFinished(() => {
      w0.peers = 0;
      w1.peers = 0;
    });
    const cases: { peers: [number, number]; avoid: MediaWorker[]; expect: MediaWorker }[] = [
      { peers: [3, 1], avoid: [], expect: w1 },
      { peers: [1, 3], avoid: [], expect: w0 },
      { peers: [0, 9], avoid: [w0], expect: w1 }, // a worker the room already uses is avoided while another exists
      { peers: [9, 0], avoid: [w1], expect: w0 },
      { peers: [5, 2], avoid: [w0, w1], expect: w1 }, // all avoided: least loaded anyway
    ];
    for (const c of cases) {
      [w0.peers, w1.peers] = c.peers;
      assert.equal(pool.pick(new Set(c.avoid)), c.expect, `peers ${c.peers} avoid ${c.avoid.map((w) => w.index)}`);
    }
  });

  test('a killed worker is reported, replaced in its slot, and the process carries on', async () => {
    const victim = pool.workers[0]!;
    const survivor = pool.workers[1]!;
    const died = once<MediaWorker>((fn) => pool.on('workerDied', fn));
    const started = once<MediaWorker>((fn) => pool.on('workerStarted', fn));
    process.kill(victim.pid, 'SIGKILL');
    assert.equal(await died, victim);
    assert.equal(victim.alive, false);
    const fresh = await started;
    assert.equal(fresh.index, victim.index);
    assert.notEqual(fresh.pid, victim.pid);
    assert.ok(fresh.alive);
    assert.equal(pool.workers.length, 2);
    assert.ok(pool.workers.includes(fresh));
    assert.ok(!pool.workers.includes(victim));
    assert.ok(survivor.alive, 'the other worker is untouched');
    // The replacement really works.
    const router = await fresh.worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] });
    router.close();
  });
});

describe('WorkerPool with every worker dead', () => {
  test('pick() throws MEDIA_UNAVAILABLE until the replacement has started', async (t) => {
    const pool = await WorkerPool.create(testSfuConfig({ workers: 1 }), log);
    t.onTestFinished(() => pool.close());
    const only = pool.workers[0]!;
    const seen = once<unknown>((fn) =>
      pool.on('workerDied', () => {
        try {
          pool.pick();
          fn(undefined);
        } catch (error) {
          fn(error);
        }
      }),
    );
    const started = once<MediaWorker>((fn) => pool.on('workerStarted', fn));
    process.kill(only.pid, 'SIGKILL');
    const error = await seen;
    assert.ok(error instanceof MediaUnavailable);
    assert.equal(error.code, 'MEDIA_UNAVAILABLE');
    const fresh = await started;
    assert.equal(pool.pick(), fresh);
  });

  test('close() is idempotent and closes the workers (no replacement: closing is not dying)', async () => {
    const pool = await WorkerPool.create(testSfuConfig({ workers: 2 }), log);
    const workers = pool.workers;
    pool.close();
    pool.close();
    assert.equal(pool.closed, true);
    for (const w of workers) assert.equal(w.worker.closed, true);
    await Promise.all(
      workers.map((w) => (w.worker.subprocessClosed ? undefined : new Promise((r) => w.worker.once('subprocessclose', () => r(undefined))))),
    );
    assert.equal(pool.workers.length, 0);
  });
});
