// The recording's layout as a pure function of the meeting's state.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import type { ParticipantInfo, RecorderView } from '@parley/protocol';
import { CANVAS, HD_CANVAS, compose, sameComposition } from '../src/layout.ts';

let n = 0;
function person(name: string, producers: { kind: 'audio' | 'video'; source: 'mic' | 'camera' | 'screen'; paused?: boolean; height?: number }[]): ParticipantInfo {
  n += 1;
  return {
    id: `p${n}` as never,
    name,
    role: 'participant',
    joinedAt: n,
    handRaisedAt: null,
    connection: 'connected',
    producers: producers.map((p, i) => ({ id: `${name}-${p.source}-${i}` as never, kind: p.kind, source: p.source, paused: p.paused ?? false, ...(p.height ? { height: p.height } : {}) })),
    allowed: { audio: true, video: true },
    e2ee: false,
  };
}
const view = (participants: ParticipantInfo[], extra: Partial<RecorderView> = {}): RecorderView => ({
  participants,
  activeSpeakerId: null,
  layout: { mode: 'stage', pinned: null },
  moderatorLayout: false,
  ...extra,
});
const cam = { kind: 'video' as const, source: 'camera' as const };
const mic = { kind: 'audio' as const, source: 'mic' as const };

test('cameras share the canvas in a grid; every microphone is mixed, muted ones too', () => {
  const c = compose(view([person('Ann', [cam, mic]), person('Bob', [cam, { ...mic, paused: true }])]));
  assert.equal(c.tiles.length, 2);
  assert.equal(c.audio.length, 2);
  // Two 16:9 tiles side by side, centred.
  assert.deepEqual(c.tiles.map((t) => [t.x, t.y, t.w, t.h]), [[0, 180, 640, 360], [640, 180, 640, 360]]);
  for (const t of c.tiles) assert.ok(t.x + t.w <= CANVAS.width && t.y + t.h <= CANVAS.height);
});

test('a stopped camera leaves the picture; nobody with a camera leaves an empty canvas', () => {
  const c = compose(view([person('Ann', [{ ...cam, paused: true }, mic])]));
  assert.equal(c.tiles.length, 0);
  assert.equal(c.audio.length, 1);
  assert.equal(compose(view([])).tiles.length, 0);
});

test('five cameras: a 3 + 2 grid with the short row centred, all inside the canvas', () => {
  const c = compose(view(['A', 'B', 'C', 'D', 'E'].map((x) => person(x, [cam]))));
  assert.equal(c.tiles.length, 5);
  const rows = [...new Set(c.tiles.map((t) => t.y))];
  assert.equal(rows.length, 2);
  const last = c.tiles.filter((t) => t.y === rows[1]);
  assert.equal(last.length, 2);
  const left = last[0]!.x;
  const right = CANVAS.width - (last[1]!.x + last[1]!.w);
  assert.ok(Math.abs(left - right) <= 2, 'centred');
});

test('a screen share takes the stage, cameras go to a strip on the right', () => {
  const ann = person('Ann', [cam, mic]);
  const bob = person('Bob', [cam, { kind: 'video', source: 'screen' }]);
  const c = compose(view([ann, bob]));
  assert.equal(c.tiles[0]!.source, 'screen');
  assert.equal(c.tiles[0]!.name, 'Bob');
  assert.ok(c.tiles[0]!.w > CANVAS.width / 2);
  assert.equal(c.tiles.length, 3);
  assert.ok(c.tiles.slice(1).every((t) => t.x >= c.tiles[0]!.w));
});

test('follow me: the moderator pins someone (their camera takes the stage) or picks the grid (screens in it)', () => {
  const ann = person('Ann', [cam]);
  const bob = person('Bob', [cam, { kind: 'video', source: 'screen' }]);
  const pinned = compose(view([ann, bob], { moderatorLayout: true, layout: { mode: 'stage', pinned: ann.id } }));
  assert.equal(pinned.tiles[0]!.name, 'Ann');
  assert.equal(pinned.tiles[0]!.source, 'camera');
  const grid = compose(view([ann, bob], { moderatorLayout: true, layout: { mode: 'grid', pinned: null } }));
  assert.equal(grid.tiles.length, 3);
  assert.ok(new Set(grid.tiles.map((t) => t.w)).size === 1, 'equal tiles');
  // Without follow me the moderator's layout does not apply.
  const own = compose(view([ann, bob], { moderatorLayout: false, layout: { mode: 'grid', pinned: null } }));
  assert.equal(own.tiles[0]!.source, 'screen');
});

test('the same meeting composes the same way (no needless ffmpeg restart); a change does not', () => {
  const people = [person('Ann', [cam, mic]), person('Bob', [cam])];
  assert.ok(sameComposition(compose(view(people)), compose(view(structuredClone(people)))));
  const muted = structuredClone(people);
  muted[0]!.producers[1]!.paused = true;
  assert.ok(sameComposition(compose(view(people)), compose(view(muted))), 'a mute is filled with silence, not a restart');
  const camOff = structuredClone(people);
  camOff[1]!.producers[0]!.paused = true;
  assert.ok(!sameComposition(compose(view(people)), compose(view(camOff))));
});

test('speaker layout: the active speaker camera takes the stage, the others a strip; a screen share still wins', () => {
  const ann = person('Ann', [cam, mic]);
  const bob = person('Bob', [cam, mic]);
  const cid = person('Cid', [cam, mic]);
  const c = compose(view([ann, bob, cid], { activeSpeakerId: bob.id }), 'speaker');
  assert.equal(c.tiles[0]!.name, 'Bob');
  assert.ok(c.tiles[0]!.w > CANVAS.width / 2);
  assert.deepEqual(c.tiles.slice(1).map((t) => t.name), ['Ann', 'Cid']);
  // Nobody has spoken yet: the first camera.
  assert.equal(compose(view([ann, bob, cid]), 'speaker').tiles[0]!.name, 'Ann');
  // The grid layout ignores the speaker.
  assert.equal(compose(view([ann, bob, cid], { activeSpeakerId: bob.id }), 'grid').tiles.length, 3);
  assert.ok(new Set(compose(view([ann, bob, cid], { activeSpeakerId: bob.id }), 'grid').tiles.map((t) => t.w)).size === 1);
  const sharer = person('Dee', [cam, { kind: 'video', source: 'screen' }]);
  assert.equal(compose(view([ann, bob, sharer], { activeSpeakerId: bob.id }), 'speaker').tiles[0]!.source, 'screen');
});

test('an open whiteboard takes the stage before a screen share or the pinned person; every camera and screen goes to the strip', () => {
  const ann = person('Ann', [cam, mic]);
  const bob = person('Bob', [cam, { kind: 'video', source: 'screen' }]);
  for (const v of [view([ann, bob]), view([ann, bob], { moderatorLayout: true, layout: { mode: 'grid', pinned: null } }), view([ann, bob], { moderatorLayout: true, layout: { mode: 'stage', pinned: ann.id } })]) {
    const c = compose(v, 'grid', true);
    assert.equal(c.tiles[0]!.source, 'board');
    assert.equal(c.tiles[0]!.producerId, '', 'nothing to receive for it');
    assert.equal(c.tiles.length, 4);
    assert.ok(c.tiles.slice(1).every((t) => t.source !== 'board' && t.x >= c.tiles[0]!.w));
    assert.equal(c.audio.length, 1);
  }
  assert.ok(!sameComposition(compose(view([ann, bob])), compose(view([ann, bob]), 'grid', true)), 'opening it changes the picture');
  // Alone in the meeting without a camera: the board fills the canvas.
  const alone = compose(view([person('Cy', [mic])]), 'speaker', true);
  assert.deepEqual(alone.tiles.map((t) => [t.source, t.w, t.h]), [['board', CANVAS.width, CANVAS.height]]);
});

test('a live stream is 1080p while the video filling its picture has 1080 lines; a recording stays 720p', () => {
  const screen1080 = { kind: 'video' as const, source: 'screen' as const, height: 1080 };
  const ann = person('Ann', [cam, mic, screen1080]);
  const bob = person('Bob', [cam, mic]);
  const hd = compose(view([ann, bob]), 'grid', false, true);
  assert.deepEqual(hd.canvas, HD_CANVAS);
  assert.equal(hd.tiles[0]!.source, 'screen');
  for (const t of hd.tiles) assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.w <= HD_CANVAS.width && t.y + t.h <= HD_CANVAS.height, JSON.stringify(t));
  assert.ok(hd.tiles[0]!.w >= 1440 && hd.tiles[0]!.h === 1080, 'the screen fills the stage at full height');
  // A recording (no hd): 720p whatever the sources.
  assert.deepEqual(compose(view([ann, bob]), 'grid', false, false).canvas, CANVAS);
  // A 720-line screen, a grid of cameras (even of 1080 lines), the whiteboard: 720p.
  assert.deepEqual(compose(view([person('Cid', [cam, { ...screen1080, height: 720 }]), bob]), 'grid', false, true).canvas, CANVAS);
  const hdCam = { ...cam, height: 1080 };
  assert.deepEqual(compose(view([person('Dee', [hdCam]), person('Eve', [hdCam])]), 'grid', false, true).canvas, CANVAS);
  assert.deepEqual(compose(view([person('Fay', [hdCam])]), 'grid', false, true).canvas, HD_CANVAS, 'one 1080p camera alone fills the picture');
  assert.deepEqual(compose(view([ann, bob]), 'grid', true, true).canvas, CANVAS);
  // The speaker's 1080-line camera on the stage, in speaker layout.
  const gus = person('Gus', [hdCam, mic]);
  const speaking = compose(view([gus, bob], { activeSpeakerId: gus.id }), 'speaker', false, true);
  assert.deepEqual(speaking.canvas, HD_CANVAS);
  assert.equal(speaking.tiles[0]!.name, 'Gus');
  assert.deepEqual(compose(view([gus, bob], { activeSpeakerId: bob.id }), 'speaker', false, true).canvas, CANVAS);
});
