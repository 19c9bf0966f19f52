// The meeting grid as people see it, from 1 to 9 people, with and without a
// side panel or a banner, at 1280×800 and on a 390×844 phone: tiles never
// overlap, never run under the toolbar, a banner or a panel, every name
// label shows, nothing scrolls sideways. Two people are real Chromium pages
// whose media is checked to flow; the others join over the protocol
// without media (avatar tiles, laid out like any other).
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { JoinMeetingReply } from '@parley/protocol';
import type { Parley } from '@parley/server';
import { inRoom, launchBrowser, openParticipant, shotsDir, startStack, waitFor, waitForMediaFrom, type Participant } from './helpers.ts';
import { layoutProblems, meetingBoxes } from './layout.ts';
import type { Browser, Page } from 'playwright-core';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const NAMES = ['Ann', 'Ben', 'Chiara Bernasconi-Lombardi', 'Dario', 'Élise', 'Franziska Müller-Lüdenscheidt', 'Gabi', 'Hugo', 'Ines'];

let parley: Parley;
let browser: Browser;
const shots = shotsDir('meeting-layout');
const sockets: Socket[] = [];

beforeAll(async () => {
  parley = await startStack();
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await browser?.close();
  await parley?.close();
});

/** Someone in the meeting without a browser: a participant token and a joined socket, no media. */
async function bareParticipant(meetingId: string, name: string): Promise<Socket> {
  const res = await fetch(`${parley.url}/api/meetings/${meetingId}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  assert.equal(res.status, 200);
  const { token } = (await res.json()) as JoinMeetingReply;
  const socket = connectSocket(parley.url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const ack = (await socket.emitWithAck('meeting:join', {})) as { ok: boolean; error?: { code: string } };
  assert.ok(ack.ok, JSON.stringify(ack));
  return socket;
}

async function setPanel(page: Page, panel: 'chat' | 'participants' | null): Promise<void> {
  for (const which of ['chat', 'participants'] as const) {
    const open = await page.getByTestId(`${which}-panel`).isVisible();
    if (open !== (panel === which)) await page.getByTestId(`toggle-${which}`).click();
  }
  if (panel) await page.getByTestId(`${panel}-panel`).waitFor();
}

/** Speaker view (the default: the one talking large, a filmstrip of the others) or tile view. */
async function setView(page: Page, view: 'speaker' | 'tile'): Promise<void> {
  const mode = () => page.evaluate(() => window.parley!.session.moderation.layout.mode);
  if (((await mode()) === 'grid') !== (view === 'tile')) await page.getByTestId('layout-toggle').click();
  await waitFor(`${view} view`, async () => (await mode()) === (view === 'tile' ? 'grid' : 'stage'));
}

/** Lays the page out in both views, at each size and panel, and says everything wrong at once. */
async function check(page: Page, people: number, extra = ''): Promise<void> {
  for (const view of extra.includes('pinned') ? (['speaker'] as const) : (['speaker', 'tile'] as const)) {
    await setView(page, view);
    await checkView(page, people, `${extra} ${view} view`);
  }
  await setView(page, 'speaker');
}

async function checkView(page: Page, people: number, extra: string): Promise<void> {
  const problems: string[] = [];
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    for (const panel of [null, 'chat', 'participants'] as const) {
      await setPanel(page, panel);
      await waitFor(`${people} tiles`, async () => (await page.getByTestId('tile').count()) === people);
      // Let the grid settle on its new size (a ResizeObserver, then one render).
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const boxes = await meetingBoxes(page);
      const phone = size.width < 700;
      for (const p of layoutProblems(boxes, { panelCoversStage: phone })) problems.push(`${people} people${extra}, ${size.width}×${size.height}, ${panel ?? 'no'} panel: ${p}`);
      if (people === 1 || people === 2 || people === 3 || people === 6 || people === 9) {
        await page.screenshot({ path: `${shots}/${people}-people-${extra.trim().replace(/\W+/g, '-')}-${size.width}-${panel ?? 'none'}.png` });
      }
    }
    await setPanel(page, null);
  }
  await page.setViewportSize(DESKTOP);
  assert.deepEqual(problems, []);
}

describe('the meeting grid fits its space', () => {
  let ann: Participant;
  let ben: Participant;
  let meetingId: string;

  test('alone, then with a second real person whose media flows', async () => {
    const res = await fetch(`${parley.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Layout' }) });
    meetingId = ((await res.json()) as { id: string }).id;
    ann = await openParticipant(browser, parley.url, meetingId, NAMES[0]!, { prejoin: '0' }, DESKTOP);
    await inRoom(ann);
    await check(ann.page, 1);
    ben = await openParticipant(browser, parley.url, meetingId, NAMES[1]!, { prejoin: '0' }, DESKTOP);
    const benId = await inRoom(ben);
    const annId = (await ann.page.evaluate(() => window.parley!.session.self.value!.id)) as string;
    await waitForMediaFrom(ann.page, [benId]);
    await waitForMediaFrom(ben.page, [annId]);
    await check(ann.page, 2);
  });

  test('3 to 9 people, in tile view and in stage view', async () => {
    for (let n = 3; n <= 9; n++) {
      await bareParticipant(meetingId, NAMES[n - 1]!);
      await check(ann.page, n);
    }
    // Someone pinned: their tile on the stage and a strip of the 8 others.
    const benId = (await ben.page.evaluate(() => window.parley!.session.self.value!.id)) as string;
    await ann.page.locator(`[data-testid="tile"][data-participant-id="${benId}"]`).dblclick();
    await ann.page.locator(`.stage [data-testid="tile"][data-participant-id="${benId}"]`).waitFor();
    await check(ann.page, 9, ' pinned');
    await ann.page.locator(`.stage [data-testid="tile"][data-participant-id="${benId}"]`).dblclick();
    // Unpinned: the speaker view goes on (someone is on the stage), and tile view has no stage.
    await ann.page.locator('.stage [data-testid="tile"][data-pinned="false"]').waitFor();
    await setView(ann.page, 'tile');
    await ann.page.locator('.stage').waitFor({ state: 'detached' });
    await setView(ann.page, 'speaker');
  });

  test('with banners above the grid (a request to unmute and the waiting room)', async () => {
    await ann.page.getByTestId('toggle-settings').click();
    await ann.page.getByTestId('setting-waitingRoom').check();
    await ann.page.getByTestId('toggle-settings').click();
    // Someone knocks: the moderator gets the waiting room card above the grid.
    const res = await fetch(`${parley.url}/api/meetings/${meetingId}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Knocking Kim' }) });
    const { token } = (await res.json()) as JoinMeetingReply;
    const knocker = connectSocket(parley.url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    sockets.push(knocker);
    await new Promise<void>((resolve) => knocker.once('connect', () => resolve()));
    assert.ok(((await knocker.emitWithAck('lobby:knock', {})) as { ok: boolean }).ok);
    await ann.page.getByTestId('lobby-panel').waitFor();
    // And a second banner at the same time: Ben, made moderator, asks the muted Ann to unmute.
    const benId = (await ben.page.evaluate(() => window.parley!.session.self.value!.id)) as string;
    const annId = (await ann.page.evaluate(() => window.parley!.session.self.value!.id)) as string;
    await setPanel(ann.page, 'participants');
    await ann.page.locator(`[data-testid="participant-row"][data-participant-id="${benId}"] [data-testid="person-menu"]`).click();
    await ann.page.locator(`[data-testid="participant-row"][data-participant-id="${benId}"] [data-testid="grant-moderator"]`).click();
    await ben.page.getByTestId('i-am-moderator').waitFor();
    await setPanel(ann.page, null);
    await ann.page.getByTestId('toggle-mic').click();
    await setPanel(ben.page, 'participants');
    await ben.page.locator(`[data-testid="participant-row"][data-participant-id="${annId}"] [data-testid="person-menu"]`).click();
    await ben.page.locator(`[data-testid="participant-row"][data-participant-id="${annId}"] [data-testid="ask-unmute"]`).click();
    await ann.page.getByTestId('asked-to-unmute').waitFor();
    await check(ann.page, 9, ' with banners');
  });
});
