// What survives failure: a mediasoup worker killed under a live meeting, and
// a page reloaded in the middle of one.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { Parley } from '@parley/server';
import { createMeeting, launchBrowser, openParticipant, participantId, startStack, stats, waitFor, waitForMediaFrom, type Participant } from './helpers.ts';

describe('failures during a meeting', () => {
  let parley: Parley;
  let browser: Browser;

  beforeAll(async () => {
    // One participant per router: Alice and Bob land on different workers.
    parley = await startStack({ sfu: { workers: 2, maxPeersPerRouter: 1 } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await parley?.close();
  });

  async function twoPeople(title: string): Promise<{ id: string; a: Participant; b: Participant; ida: string; idb: string }> {
    const { id } = await createMeeting(parley.url, title);
    const a = await openParticipant(browser, parley.url, id, 'Alice');
    const b = await openParticipant(browser, parley.url, id, 'Bob');
    await a.page.getByTestId('room').waitFor();
    await b.page.getByTestId('room').waitFor();
    const [ida, idb] = (await Promise.all([participantId(a.page), participantId(b.page)])) as [string, string];
    await waitForMediaFrom(a.page, [idb]);
    await waitForMediaFrom(b.page, [ida]);
    return { id, a, b, ida, idb };
  }

  test('a killed media worker moves its participants to a live one and media resumes', async () => {
    const { id, a, b, ida, idb } = await twoPeople('Worker death');
    const meeting = parley.meetings.live(id as never)!;
    const room = parley.meetings.mediaRoom(meeting)!;
    const bobWorker = room.peer(idb)!.slot.worker;
    const aliceWorker = room.peer(ida)!.slot.worker;
    assert.notEqual(bobWorker, aliceWorker, 'the two participants should be on different workers');
    const oldProducers = meeting.participant(idb as never).info().producers.map((p) => p.id);

    process.kill(bobWorker.pid, 'SIGKILL');

    // Bob is told, rebuilds his media on the surviving worker, and both see each other again.
    await b.page.getByTestId('notice').filter({ hasText: 'moved to another server' }).waitFor();
    await waitFor('Bob producing again', async () => {
      const producers = meeting.participant(idb as never).info().producers;
      return producers.length === 2 && producers.every((p) => !oldProducers.includes(p.id));
    });
    assert.notEqual(room.peer(idb)!.slot.worker, bobWorker);
    await waitFor('Alice decodes Bob again', async () =>
      (await stats(a.page)).find((s) => s.participantId === idb && s.source === 'camera' && !oldProducers.includes(s.producerId as never) && s.framesDecoded > 0),
    );
    await waitFor('Bob decodes Alice again', async () => (await stats(b.page)).find((s) => s.participantId === ida && s.source === 'camera' && s.framesDecoded > 0));
    assert.equal(await a.page.getByTestId('tile').count(), 2);
    // The pool replaced the dead worker; the process never stopped.
    await waitFor('worker replaced', async () => parley.pool.workers.length === 2);
    const health = (await (await fetch(`${parley.url}/healthz`)).json()) as { workers: number };
    assert.equal(health.workers, 2);
    await a.context.close();
    await b.context.close();
  });

  test('a reloaded page comes back as the same participant', async () => {
    const { id, a, b, ida, idb } = await twoPeople('Reload');
    await b.page.reload();
    await b.page.getByTestId('room').waitFor();
    assert.equal(await participantId(b.page), idb, 'same participant after reload');
    await waitForMediaFrom(a.page, [idb]);
    await waitForMediaFrom(b.page, [ida]);
    assert.equal(await a.page.locator(`[data-testid="tile"][data-participant-id="${idb}"]`).count(), 1);
    assert.equal(parley.meetings.live(id as never)?.size, 2);
    await a.context.close();
    await b.context.close();
  });
});
