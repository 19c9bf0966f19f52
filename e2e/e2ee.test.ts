// End-to-end encryption in real Chromium: two pages with the same key see
// each other; a third page without it receives the packets but decodes
// nothing meaningful. The SFU in between only ever has ciphertext.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { Parley } from '@parley/server';
import { createMeeting, launchBrowser, openParticipant, participantId, startStack, stats, waitFor, waitForMediaFrom, type Participant } from './helpers.ts';

/** The average colour of `from`'s camera tile as this page shows it, and how many frames it decoded. */
async function picture(page: Page, from: string): Promise<{ r: number; g: number; b: number; frames: number; bytes: number }> {
  const rgb = await page.evaluate((id) => {
    const v = document.querySelector<HTMLVideoElement>(`[data-testid="tile"][data-participant-id="${id}"] video:not(.back)`);
    if (!v || v.videoWidth === 0) return { r: 0, g: 0, b: 0 };
    const c = document.createElement('canvas');
    c.width = 64;
    c.height = 36;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(v, 0, 0, 64, 36);
    const d = ctx.getImageData(0, 0, 64, 36).data;
    let r = 0, g = 0, b = 0;
    for (let i = 0; i < d.length; i += 4) {
      r += d[i]!;
      g += d[i + 1]!;
      b += d[i + 2]!;
    }
    const n = d.length / 4;
    return { r: r / n, g: g / n, b: b / n };
  }, from);
  const cam = (await stats(page)).find((s) => s.participantId === from && s.source === 'camera');
  return { ...rgb, frames: cam?.framesDecoded ?? 0, bytes: cam?.bytesReceived ?? 0 };
}
/** Chromium's fake camera: a green picture with bright green shapes. */
const looksLikeTheCamera = (p: { r: number; g: number; b: number }) => p.g > 60 && p.g > 2 * p.r && p.g > 2 * p.b;

async function enable(page: Page, key: string): Promise<void> {
  await page.getByTestId('toggle-settings').click();
  await page.getByTestId('e2ee-passphrase').fill(key);
  await page.getByTestId('e2ee-enable').click();
  await page.getByTestId('e2ee-disable').waitFor();
  await page.getByTestId('toggle-settings').click();
}

describe('end-to-end encryption', () => {
  let parley: Parley;
  let browser: Browser;
  let a: Participant, b: Participant, c: Participant;
  let ida: string, idb: string;

  beforeAll(async () => {
    parley = await startStack();
    browser = await launchBrowser();
    const { id } = await createMeeting(parley.url, 'Secret');
    a = await openParticipant(browser, parley.url, id, 'Ada');
    b = await openParticipant(browser, parley.url, id, 'Bo');
    c = await openParticipant(browser, parley.url, id, 'Cy');
    for (const p of [a, b, c]) await p.page.getByTestId('room').waitFor();
    [ida, idb] = (await Promise.all([participantId(a.page), participantId(b.page)])) as [string, string];
    await waitForMediaFrom(c.page, [ida, idb]);
  });
  afterAll(async () => {
    await browser?.close();
    await parley?.close();
  });

  test('two pages with the same key see and hear each other; the page without it decodes nothing meaningful', async (t) => {
    // Before: everyone sees the camera. Frames decoded does not yet mean the
    // <video> has painted one (videoWidth is 0 until it does), so wait for it.
    await waitFor('C shows B\'s camera in the clear', async () => {
      const p = await picture(c.page, idb);
      return looksLikeTheCamera(p) && p;
    });
    await enable(a.page, 'blue whale at noon');
    await enable(b.page, 'blue whale at noon');

    // Tiles say who is encrypted, on every page.
    for (const p of [a, b, c]) {
      for (const id of [ida, idb]) await p.page.locator(`[data-testid="tile"][data-participant-id="${id}"] [data-testid="tile-e2ee"]`).waitFor();
    }

    // A decrypts B's frames (they came through the SFU encrypted) and shows the camera.
    await waitFor('A decrypts B', async () => {
      const n = await a.page.evaluate(() => window.parley!.session.e2ee.counters());
      return n && n.decrypted > 50 && n;
    });
    const before = await picture(a.page, idb);
    await waitFor('A decodes B as the camera', async () => {
      const p = await picture(a.page, idb);
      return p.frames > before.frames + 30 && looksLikeTheCamera(p) && p;
    });
    await waitForMediaFrom(b.page, [ida]);
    const audioBefore = (await stats(b.page)).find((s) => s.participantId === ida && s.kind === 'audio')?.packetsReceived ?? 0;
    await waitFor('B hears A', async () => ((await stats(b.page)).find((s) => s.participantId === ida && s.kind === 'audio')?.packetsReceived ?? 0) > audioBefore + 50);

    // C gets B's packets but cannot make a picture of them: either its decoder
    // stops producing frames or what it produces is not the camera.
    const c0 = await picture(c.page, idb);
    await new Promise((r) => setTimeout(r, 4000));
    const c1 = await picture(c.page, idb);
    assert.ok(c1.bytes > c0.bytes + 50_000, `C still receives B's packets (${c0.bytes} -> ${c1.bytes} bytes)`);
    const decodedMeanwhile = c1.frames - c0.frames;
    void t.annotate(`without the key: ${decodedMeanwhile} frames decoded in 4 s, picture ${JSON.stringify(c1)}`);
    assert.ok(decodedMeanwhile < 10 || !looksLikeTheCamera(c1), `C decoded ${decodedMeanwhile} frames that look like the camera: ${JSON.stringify(c1)}`);
  });

  test('a wrong key shows nothing; stopping encryption brings plain media back to everyone', async () => {
    await enable(c.page, 'a different key');
    await waitFor('C drops what it cannot open', async () => {
      const n = await c.page.evaluate(() => window.parley!.session.e2ee.counters());
      return n && n.dropped > 30 && n;
    });
    for (const p of [a, b, c]) {
      await p.page.getByTestId('toggle-settings').click();
      await p.page.getByTestId('e2ee-disable').click();
      await p.page.getByTestId('e2ee-enable').waitFor();
      await p.page.getByTestId('toggle-settings').click();
    }
    await c.page.locator(`[data-testid="tile"][data-participant-id="${idb}"] [data-testid="tile-e2ee"]`).waitFor({ state: 'detached' });
    const c0 = await picture(c.page, idb);
    await waitFor('C sees the camera again', async () => {
      const p = await picture(c.page, idb);
      return p.frames > c0.frames + 30 && looksLikeTheCamera(p) && p;
    });
  });

  test('AES-256 with H.264: two pages that send H.264 with the same key see each other; the SFU only forwards ciphertext', async () => {
    // The three VP8 pages are done: on two cores, five pages encoding at once would slow everything down.
    for (const p of [a, b, c]) await p.context.close();
    const { id } = await createMeeting(parley.url, 'Secret H.264');
    const h = await openParticipant(browser, parley.url, id, 'Hana', { prejoin: '0', codec: 'h264' });
    const k = await openParticipant(browser, parley.url, id, 'Kai', { prejoin: '0', codec: 'h264' });
    for (const p of [h, k]) await p.page.getByTestId('room').waitFor();
    const [idh, idk] = (await Promise.all([participantId(h.page), participantId(k.page)])) as [string, string];
    await waitForMediaFrom(k.page, [idh]);
    await enable(h.page, 'green heron');
    await enable(k.page, 'green heron');
    await waitFor('K decrypts H', async () => {
      const n = await k.page.evaluate(() => window.parley!.session.e2ee.counters());
      return n && n.decrypted > 50 && n;
    });
    const before = await picture(k.page, idh);
    await waitFor('K decodes H’s camera in H.264', async () => {
      const p = await picture(k.page, idh);
      return p.frames > before.frames + 30 && looksLikeTheCamera(p) && p;
    });
    await waitFor('H decodes K too', async () => looksLikeTheCamera(await picture(h.page, idk)));
    const codec = (await stats(k.page)).find((s) => s.participantId === idh && s.source === 'camera')?.codec;
    assert.equal(codec, 'video/H264');
    await h.context.close();
    await k.context.close();
  });
});
