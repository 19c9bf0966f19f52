// Drawing on shared screens and the whiteboard: the rules on the domain
// (fake media plane), then the same through real sockets and a real worker,
// with forged and hostile requests.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { pino } from 'pino';
import { DRAW_LIMITS, DomainError, type DrawingState, type MeetingId, type ParticipantId, type Stroke } from '@parley/protocol';
import type { Parley } from '../src/index.ts';
import { Meeting } from '../src/meet/Meeting.ts';
import type { MeetingRecord } from '../src/store/meetings.ts';
import { FakeSfu } from './fake-sfu.ts';
import { closeAll, connect, joinAs, mintToken, newMeeting, next, ok, record, refused, setupMedia, sleep, startServer, tryProduce, type Joined } from './helpers.ts';

const silent = pino({ level: 'silent' });
const pid = (s: string) => s as ParticipantId;
const code = (c: string) => (error: unknown) => error instanceof DomainError && error.code === c;
const pen = (id: string, points: number[], more: Partial<{ tool: 'pen' | 'highlighter' | 'arrow'; color: '#ef4444' | '#3b82f6'; fade: boolean }> = {}) => ({
  id,
  tool: more.tool ?? ('pen' as const),
  color: more.color ?? ('#ef4444' as const),
  fade: more.fade ?? false,
  points,
});

function setup() {
  const sfu = new FakeSfu();
  const record: MeetingRecord = { id: 'meeting-1' as MeetingId, title: 'Drawing', createdAt: Date.now(), moderatorTokenHash: 'h' };
  const meeting = new Meeting(record, sfu, { resumeWindowMs: 30, maxParticipants: 50 }, silent);
  const events: { event: string; args: unknown[] }[] = [];
  for (const event of ['drawStroke', 'drawRemoved', 'drawCleared', 'drawMeta'] as const) meeting.on(event, (...args: unknown[]) => events.push({ event, args }));
  const join = (id: string, moderator = false) => meeting.join({ id: pid(id), name: id.toUpperCase(), moderator, device: null }, `socket-${id}`);
  const share = async (id: string) => {
    const { send } = await meeting.media.setup(pid(id), { codecs: [] });
    const producerId = await meeting.media.produce(pid(id), { transportId: send.id, kind: 'video', source: 'screen', rtpParameters: { codecs: [] } as never, paused: false });
    return `screen:${producerId}` as const;
  };
  const strokes = (id: string, surface: string) => meeting.drawing.stateFor(pid(id)).surfaces.find((s) => s.surface === surface)?.strokes ?? [];
  return { meeting, sfu, events, join, share, strokes };
}

describe('drawing rules', () => {
  test('the sharer and moderators draw on a shared screen; others only once allowed, by a moderator or the sharer', async () => {
    const { meeting, join, share, strokes, events } = setup();
    await join('mod', true);
    await join('sharer');
    await join('c');
    await join('d');
    const screen = await share('sharer');
    meeting.drawing.stroke(pid('sharer'), { surface: screen, ...pen('s1', [0.1, 0.1, 0.2, 0.2]) });
    meeting.drawing.stroke(pid('mod'), { surface: screen, ...pen('m1', [0.5, 0.5, 0.6, 0.6]) });
    assert.throws(() => meeting.drawing.stroke(pid('c'), { surface: screen, ...pen('c1', [0.3, 0.3, 0.4, 0.4]) }), code('FORBIDDEN'));
    // Someone who does not share and does not moderate cannot hand out the right.
    assert.throws(() => meeting.drawing.allow(pid('d'), pid('c'), true), code('FORBIDDEN'));
    meeting.drawing.allow(pid('sharer'), pid('c'), true);
    meeting.drawing.stroke(pid('c'), { surface: screen, ...pen('c1', [0.3, 0.3, 0.4, 0.4]) });
    assert.deepEqual(meeting.drawing.stateFor(pid('d')).drawers, [pid('c')]);
    meeting.drawing.allow(pid('mod'), pid('c'), false);
    assert.throws(() => meeting.drawing.stroke(pid('c'), { surface: screen, ...pen('c2', [0.3, 0.3, 0.4, 0.4]) }), code('FORBIDDEN'));
    assert.deepEqual(
      strokes('d', screen).map((s) => [s.by, s.id]),
      [
        ['sharer', 's1'],
        ['mod', 'm1'],
        ['c', 'c1'],
      ],
    );
    // The author is named by the server, never by the client; each stroke told once with its points.
    const told = events.filter((e) => e.event === 'drawStroke').map((e) => e.args[2] as Stroke);
    assert.deepEqual(told.map((s) => s.by), ['sharer', 'mod', 'c']);
    assert.throws(() => meeting.drawing.allow(pid('mod'), pid('nobody'), true), code('PARTICIPANT_NOT_FOUND'));
    // Nobody allows themselves; a paused screen (nothing shown) grants nothing.
    assert.throws(() => meeting.drawing.allow(pid('sharer'), pid('sharer'), true), code('INVALID_PAYLOAD'));
    const { send } = await meeting.media.setup(pid('d'), { codecs: [] });
    await meeting.media.produce(pid('d'), { transportId: send.id, kind: 'video', source: 'screen', rtpParameters: { codecs: [] } as never, paused: true });
    assert.throws(() => meeting.drawing.allow(pid('d'), pid('c'), true), code('FORBIDDEN'));
  });

  test('what a surface holds is bounded in total, not only per stroke: the oldest strokes go', async () => {
    const { meeting, join, share, strokes } = setup();
    await join('a', true);
    const screen = await share('a');
    const chunk = Array.from({ length: DRAW_LIMITS.valuesPerMessage }, (_, i) => (i % 100) / 100);
    const perStroke = DRAW_LIMITS.valuesPerStroke / DRAW_LIMITS.valuesPerMessage;
    const many = Math.ceil(DRAW_LIMITS.valuesPerSurface / DRAW_LIMITS.valuesPerStroke) + 3;
    for (let s = 0; s < many; s++) for (let i = 0; i < perStroke; i++) meeting.drawing.stroke(pid('a'), { surface: screen, ...pen(`long${s}`, chunk) });
    const kept = strokes('a', screen);
    assert.ok(kept.reduce((n, k) => n + k.points.length, 0) <= DRAW_LIMITS.valuesPerSurface);
    assert.equal(kept.at(-1)!.id, `long${many - 1}`);
    assert.notEqual(kept[0]!.id, 'long0');
  });

  test('points grow a stroke while the pointer moves; an arrow keeps two ends; limits hold', async () => {
    const { meeting, join, share, strokes } = setup();
    await join('a', true);
    const screen = await share('a');
    meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('s1', [0.1, 0.1]) });
    meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('s1', [0.123456, 0.2, 0.3, 0.3]) });
    assert.deepEqual(strokes('a', screen)[0]!.points, [0.1, 0.1, 0.1235, 0.2, 0.3, 0.3]);
    assert.throws(() => meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('s1', [0.4, 0.4], { color: '#3b82f6' }) }), code('INVALID_PAYLOAD'));
    assert.throws(() => meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('odd', [0.4, 0.4, 0.5]) }), code('INVALID_PAYLOAD'));
    meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('arrow', [0, 0, 0.5, 0.5], { tool: 'arrow' }) });
    meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('arrow', [0, 0, 0.9, 0.1], { tool: 'arrow' }) });
    assert.deepEqual(strokes('a', screen)[1]!.points, [0, 0, 0.9, 0.1]);
    assert.throws(() => meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('arrow2', [0, 0, 0.5, 0.5, 0.6, 0.6], { tool: 'arrow' }) }), code('INVALID_PAYLOAD'));
    // A stroke cannot grow without end...
    const chunk = Array.from({ length: DRAW_LIMITS.valuesPerMessage }, (_, i) => (i % 100) / 100);
    for (let i = 0; i < DRAW_LIMITS.valuesPerStroke / DRAW_LIMITS.valuesPerMessage; i++) meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('long', chunk) });
    assert.throws(() => meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('long', [0.1, 0.1]) }), code('INVALID_PAYLOAD'));
    // ...nor a surface hold strokes without end: the oldest go, and everyone is told.
    for (let i = 0; i < DRAW_LIMITS.strokesPerSurface + 5; i++) meeting.drawing.stroke(pid('a'), { surface: screen, ...pen(`n${i}`, [0.1, 0.1]) });
    const kept = strokes('a', screen);
    assert.equal(kept.length, DRAW_LIMITS.strokesPerSurface);
    assert.equal(kept.at(-1)!.id, `n${DRAW_LIMITS.strokesPerSurface + 4}`);
  });

  test('undo takes back one’s own latest stroke; clear wipes all for the sharer and moderators, one’s own for others', async () => {
    const { meeting, join, share, strokes, events } = setup();
    await join('mod', true);
    await join('sharer');
    await join('c');
    const screen = await share('sharer');
    meeting.drawing.allow(pid('mod'), pid('c'), true);
    meeting.drawing.stroke(pid('c'), { surface: screen, ...pen('c1', [0.1, 0.1]) });
    meeting.drawing.stroke(pid('sharer'), { surface: screen, ...pen('s1', [0.1, 0.1]) });
    meeting.drawing.stroke(pid('c'), { surface: screen, ...pen('c2', [0.1, 0.1]) });
    meeting.drawing.undo(pid('sharer'), screen);
    meeting.drawing.undo(pid('sharer'), screen);
    assert.deepEqual(strokes('c', screen).map((s) => s.id), ['c1', 'c2'], 'the sharer’s undo takes back only the sharer’s strokes');
    meeting.drawing.stroke(pid('sharer'), { surface: screen, ...pen('s2', [0.1, 0.1]) });
    meeting.drawing.clear(pid('c'), screen);
    assert.deepEqual(strokes('c', screen).map((s) => s.id), ['s2']);
    meeting.drawing.clear(pid('sharer'), screen);
    assert.deepEqual(strokes('c', screen), []);
    assert.deepEqual(
      events.filter((e) => e.event === 'drawCleared').map((e) => e.args.slice(1)),
      [
        [screen, 'c'],
        [screen, null],
      ],
    );
  });

  test('a screen’s drawings end with the share: a new share starts blank, and strokes on it are refused', async () => {
    const { meeting, sfu, join, share, strokes } = setup();
    await join('a', true);
    await join('b');
    const screen = await share('a');
    meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('s1', [0.1, 0.1]) });
    meeting.media.closeProducer(pid('a'), screen.slice('screen:'.length));
    assert.throws(() => meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('s2', [0.1, 0.1]) }), code('SURFACE_NOT_FOUND'));
    assert.deepEqual(meeting.drawing.stateFor(pid('b')).surfaces, []);
    const again = await (async () => {
      const producerId = await meeting.media.produce(pid('a'), { transportId: sfu.peers.get('a')!.transportIds.send!, kind: 'video', source: 'screen', rtpParameters: { codecs: [] } as never, paused: false });
      return `screen:${producerId}`;
    })();
    assert.notEqual(again, screen);
    assert.deepEqual(strokes('b', again), []);
    // A made-up screen, or someone's camera, is no surface.
    const camera = await meeting.media.produce(pid('a'), { transportId: sfu.peers.get('a')!.transportIds.send!, kind: 'video', source: 'camera', rtpParameters: { codecs: [] } as never, paused: false });
    for (const surface of ['screen:nope', `screen:${camera}`] as const) {
      assert.throws(() => meeting.drawing.stroke(pid('a'), { surface, ...pen('x', [0.1, 0.1]) }), code('SURFACE_NOT_FOUND'));
      assert.throws(() => meeting.drawing.undo(pid('a'), surface), code('SURFACE_NOT_FOUND'));
    }
  });

  test('fading strokes are gone a moment after their last point', async () => {
    const { meeting, join, share, strokes } = setup();
    await join('a', true);
    const screen = await share('a');
    const now = Date.now();
    const realNow = Date.now;
    try {
      Date.now = () => now;
      meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('f', [0.1, 0.1], { fade: true }) });
      meeting.drawing.stroke(pid('a'), { surface: screen, ...pen('stays', [0.1, 0.1]) });
      Date.now = () => now + DRAW_LIMITS.fadeMs + 1;
      assert.deepEqual(strokes('a', screen).map((s) => s.id), ['stays']);
    } finally {
      Date.now = realNow;
    }
  });

  test('the whiteboard: a moderator opens it for the room, everyone there draws, closing wipes it', async () => {
    const { meeting, join, strokes, events } = setup();
    await join('mod', true);
    await join('b');
    assert.throws(() => meeting.drawing.stroke(pid('b'), { surface: 'board', ...pen('b1', [0.1, 0.1]) }), code('SURFACE_NOT_FOUND'));
    assert.throws(() => meeting.drawing.setBoard(pid('b'), true), code('NOT_MODERATOR'));
    meeting.drawing.setBoard(pid('mod'), true);
    assert.equal(meeting.drawing.stateFor(pid('b')).board, true);
    meeting.drawing.stroke(pid('b'), { surface: 'board', ...pen('b1', [0.1, 0.1]) });
    assert.equal(strokes('mod', 'board').length, 1);
    // Clearing the board is a moderator's (a participant clears only its own).
    meeting.drawing.stroke(pid('mod'), { surface: 'board', ...pen('m1', [0.1, 0.1]) });
    meeting.drawing.clear(pid('b'), 'board');
    assert.deepEqual(strokes('mod', 'board').map((s) => s.id), ['m1']);
    meeting.drawing.setBoard(pid('mod'), false);
    assert.deepEqual(meeting.drawing.stateFor(pid('b')), { board: false, drawers: [], surfaces: [] } satisfies DrawingState);
    assert.deepEqual(events.filter((e) => e.event === 'drawMeta').map((e) => e.args[1]), [true, false]);
  });
});

describe('drawing over sockets', () => {
  let parley: Parley;
  beforeAll(async () => {
    parley = await startServer();
  });
  afterAll(async () => {
    await parley.close();
  });

  async function sharing(): Promise<{ mod: Joined; sharer: Joined; viewer: Joined; surface: string }> {
    const { id } = await newMeeting(parley, 'Drawing');
    const mod = await joinAs(parley, id, 'Mod', { moderator: true });
    const sharer = await joinAs(parley, id, 'Sharer');
    const viewer = await joinAs(parley, id, 'Viewer');
    const t = await setupMedia(sharer);
    const screen = await tryProduce(sharer, t, 'screen');
    assert.ok(screen.ok, screen.code);
    return { mod, sharer, viewer, surface: `screen:${screen.producerId}` };
  }

  test('strokes reach the room but their author; a newcomer gets them with the join', async () => {
    const { mod, sharer, viewer, surface } = await sharing();
    try {
      const toSharer = record<{ surface: string; stroke: Stroke }>(sharer.socket, 'draw:stroke');
      const seen = next<{ surface: string; stroke: Stroke }>(viewer.socket, 'draw:stroke');
      await ok(sharer.socket, 'draw:stroke', { surface, ...pen('s1', [0.25, 0.25, 0.75, 0.75]) });
      const got = await seen;
      assert.deepEqual(got, { surface, stroke: { id: 's1', by: sharer.id, tool: 'pen', color: '#ef4444', fade: false, points: [0.25, 0.25, 0.75, 0.75] } });
      await sleep(100);
      assert.equal(toSharer.length, 0, 'the author drew it already');
      const late = await joinAs(parley, mod.join.snapshot.id, 'Late');
      assert.deepEqual(late.join.drawing.surfaces, [{ surface, strokes: [got.stroke] }]);
      const sync = await ok<{ drawing: DrawingState }>(viewer.socket, 'draw:sync', {});
      assert.deepEqual(sync.drawing.surfaces, late.join.drawing.surfaces);
      closeAll(late.socket);
    } finally {
      closeAll(mod.socket, sharer.socket, viewer.socket);
    }
  });

  test('forged and hostile requests are refused and change nothing', async () => {
    const { mod, sharer, viewer, surface } = await sharing();
    try {
      // A participant nobody allowed; a moderator action from a participant; someone else's undo is one's own.
      await refused(viewer.socket, 'draw:stroke', { surface, ...pen('v1', [0.1, 0.1]) }, 'FORBIDDEN');
      await refused(viewer.socket, 'draw:allow', { participantId: viewer.id, allowed: true }, 'FORBIDDEN', 'allowing oneself');
      await refused(viewer.socket, 'draw:board', { open: true }, 'NOT_MODERATOR');
      await refused(viewer.socket, 'draw:stroke', { surface: 'board', ...pen('v1', [0.1, 0.1]) }, 'SURFACE_NOT_FOUND', 'board not open');
      await refused(sharer.socket, 'draw:allow', { participantId: 'someone-else', allowed: true }, 'PARTICIPANT_NOT_FOUND');
      // Shapes the schema refuses: off the surface, not numbers, too many, a bad surface or colour.
      for (const [what, payload] of [
        ['a coordinate past the edge', { surface, ...pen('x', [0.1, 1.5]) }],
        ['a negative coordinate', { surface, ...pen('x', [-0.1, 0.5]) }],
        ['a string coordinate', { surface, ...pen('x', ['0.1', 0.5] as never) }],
        ['too many points', { surface, ...pen('x', Array.from({ length: DRAW_LIMITS.valuesPerMessage + 2 }, () => 0.5)) }],
        ['one value', { surface, ...pen('x', [0.5]) }],
        ['path traversal in the surface', { surface: 'screen:../../etc', ...pen('x', [0.1, 0.1]) }],
        ['an unknown surface kind', { surface: 'camera:abc', ...pen('x', [0.1, 0.1]) }],
        ['a colour outside the palette', { surface, ...pen('x', [0.1, 0.1]), color: '#00000000' }],
        ['a script in the id', { surface, ...pen('<script>', [0.1, 0.1]) }],
        ['an unknown tool', { surface, ...pen('x', [0.1, 0.1]), tool: 'laser' }],
      ] as const) {
        await refused(sharer.socket, 'draw:stroke', payload, 'INVALID_PAYLOAD', what);
      }
      const state = await ok<{ drawing: DrawingState }>(mod.socket, 'draw:sync', {});
      assert.deepEqual(state.drawing, { board: false, drawers: [], surfaces: [] });
    } finally {
      closeAll(mod.socket, sharer.socket, viewer.socket);
    }
  });

  test('a waiting or unjoined socket cannot draw, and a breakout room draws on its own board', async () => {
    const { mod, sharer, viewer } = await sharing();
    try {
      await ok(mod.socket, 'moderation:settings', { waitingRoom: true });
      const { token } = mintToken(mod.join.snapshot.id, 'Knocker');
      const knocker = await connect(parley.url, token);
      await ok(knocker, 'lobby:knock', {});
      await refused(knocker, 'draw:stroke', { surface: 'board', ...pen('k', [0.1, 0.1]) }, 'NOT_JOINED');
      await refused(knocker, 'draw:sync', {}, 'NOT_JOINED');
      closeAll(knocker);

      const { room } = await ok<{ room: { id: string } }>(mod.socket, 'breakout:create', { name: 'Side' });
      const moved = next(viewer.socket, 'breakout:moved');
      await ok(mod.socket, 'breakout:assign', { participantId: viewer.id, roomId: room.id });
      await moved;
      await ok(mod.socket, 'draw:board', { open: true });
      const mainStrokes = record(sharer.socket, 'draw:stroke');
      const sideMeta = record(viewer.socket, 'draw:meta');
      await ok(sharer.socket, 'draw:stroke', { surface: 'board', ...pen('s1', [0.1, 0.1]) });
      await refused(viewer.socket, 'draw:stroke', { surface: 'board', ...pen('v1', [0.1, 0.1]) }, 'SURFACE_NOT_FOUND', 'the main room’s board is not the side room’s');
      await sleep(100);
      assert.equal(sideMeta.length, 0, 'the side room did not hear the main board open');
      assert.equal(mainStrokes.length, 0);
      const side = await ok<{ drawing: DrawingState }>(viewer.socket, 'draw:sync', {});
      assert.deepEqual(side.drawing, { board: false, drawers: [], surfaces: [] });
      await refused(viewer.socket, 'draw:undo', { surface: 'board' }, 'SURFACE_NOT_FOUND', 'undo on a board the room does not have');
    } finally {
      closeAll(mod.socket, sharer.socket, viewer.socket);
    }
  });
});
