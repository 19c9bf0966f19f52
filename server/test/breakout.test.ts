// Breakout rooms at the protocol level: real server, real mediasoup worker,
// Socket.IO clients. Moves are made by the server, so these tests check what
// each socket receives (and can no longer reach) after a move, and try to
// cheat: act without the role, pick a room uninvited, consume across rooms.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type { BreakoutState, TalkMessage, ConsumerOptionsWire, MeetingId, MeetingSnapshot, ParticipantInfo } from '@parley/protocol';
import type { Parley } from '../src/index.ts';
import { closeAll, connect, joinAs, mintToken, next, ok, record, refused, request, sleep, startServer, withMedia, type ClientSocket, type Joined } from './helpers.ts';

let parley: Parley;
const opened: ClientSocket[] = [];

beforeAll(async () => {
  parley = await startServer();
});
afterAll(async () => {
  closeAll(...opened);
  await parley.close();
});

interface Moved {
  roomId: string | null;
  reason: string;
  snapshot: MeetingSnapshot;
  talk: TalkMessage[];
}

const newMeeting = async () => (await parley.meetings.create('Workshop')).record.id;
async function joined(meetingId: string, name: string, opts: { moderator?: boolean } = {}): Promise<Joined> {
  const j = await joinAs(parley, meetingId, name, opts);
  opened.push(j.socket);
  return j;
}
const live = (id: string) => parley.meetings.live(id as MeetingId)!;
const roomOf = (m: string, pid: string) => live(m).roomOf(pid as never);
const createRoom = async (mod: Joined, name?: string) =>
  (await ok<{ room: { id: string; name: string } }>(mod.socket, 'breakout:create', name === undefined ? {} : { name })).room;
/** Waits for a breakout state that satisfies `done` (states only ever move forward). */
const stateWhere = (j: Joined, done: (s: BreakoutState) => boolean) => next<BreakoutState>(j.socket, 'breakout:state', done);
const moved = (j: Joined, roomId: string | null) => next<Moved>(j.socket, 'breakout:moved', (m) => m.roomId === roomId);

const consume = async (j: Joined, producerId: string) =>
  (await ok<{ consumer: ConsumerOptionsWire }>(j.socket, 'media:consume', { producerId })).consumer;

describe('breakout rooms: managing them', () => {
  test('a moderator creates, renames and removes rooms; everyone sees the versioned state', async () => {
    const m = await newMeeting();
    const mod = await joined(m, 'Mod');
    const bea = await joined(m, 'Bea');
    assert.deepEqual(mod.join.breakout.rooms, []);
    assert.deepEqual(mod.join.breakout.main.map((x) => x.name).sort(), ['Mod']);

    const seen = stateWhere(bea, (s) => s.rooms.length === 2);
    const red = await createRoom(mod, '  Red  ');
    const second = await createRoom(mod);
    assert.equal(red.name, 'Red', 'names are trimmed');
    assert.equal(second.name, 'Room 2', 'an unnamed room gets a number');
    const state = await seen;
    assert.deepEqual(state.rooms.map((r) => r.name), ['Red', 'Room 2']);
    assert.deepEqual(state.main.map((x) => x.name).sort(), ['Bea', 'Mod']);

    const renamed = stateWhere(bea, (s) => s.rooms.some((r) => r.name === 'Blue') && s.version > state.version);
    await ok(mod.socket, 'breakout:rename', { roomId: second.id, name: 'Blue' });
    const after = await renamed;
    assert.ok(after.version > state.version, 'the version grows');

    await ok(mod.socket, 'breakout:assign', { participantId: bea.id, roomId: red.id });
    const back = moved(bea, null);
    const gone = stateWhere(mod, (s) => s.rooms.length === 1);
    await ok(mod.socket, 'breakout:remove', { roomId: red.id });
    assert.equal((await back).reason, 'room-removed', 'the people of a removed room go back to the main room');
    assert.deepEqual((await gone).rooms.map((r) => r.name), ['Blue']);
    assert.equal(roomOf(m, bea.id), null);

    await refused(mod.socket, 'breakout:rename', { roomId: red.id, name: 'X' }, 'ROOM_NOT_FOUND');
    await refused(mod.socket, 'breakout:assign', { participantId: bea.id, roomId: 'no-such-room' }, 'ROOM_NOT_FOUND');
    await refused(mod.socket, 'breakout:rename', { roomId: second.id, name: '   ' }, 'INVALID_PAYLOAD');
    await refused(mod.socket, 'breakout:create', { name: 'x'.repeat(65) }, 'INVALID_PAYLOAD', 'an oversized name');
    await refused(mod.socket, 'breakout:broadcast', { text: 'x'.repeat(5000) }, 'INVALID_PAYLOAD', 'an oversized message');
    await refused(mod.socket, 'breakout:timer', { seconds: 0 }, 'INVALID_PAYLOAD');
    await refused(mod.socket, 'breakout:timer', { seconds: 9 * 3600 }, 'INVALID_PAYLOAD');
    await refused(mod.socket, 'breakout:assign', { participantId: 'nobody', roomId: second.id }, 'PARTICIPANT_NOT_FOUND');
  });

  test('at most 50 rooms', async () => {
    const m = await newMeeting();
    const mod = await joined(m, 'Mod');
    // Straight to the domain: the moderation rate limit (tested elsewhere) would slow fifty requests down.
    for (let i = 0; i < 50; i++) live(m).breakouts.create(mod.id as never, undefined);
    await refused(mod.socket, 'breakout:create', {}, 'INVALID_PAYLOAD');
    assert.equal(live(m).breakouts.state().rooms.length, 50);
  });
});

describe('breakout rooms: a move is made by the server', () => {
  test('the mover sees only its room; the rooms hear arrivals and departures; chat and reactions stay in the room', async () => {
    const m = await newMeeting();
    const mod = await joined(m, 'Mod');
    const bea = await joined(m, 'Bea');
    const cyd = await joined(m, 'Cyd');
    const red = await createRoom(mod, 'Red');
    await ok(bea.socket, 'talk:send', { text: 'said in the main room' });
    await ok(cyd.socket, 'talk:send', { text: 'psst', to: mod.id });

    const beaMoved = moved(bea, red.id);
    const modHeard = next<{ participantId: string; reason: string }>(mod.socket, 'meeting:participantLeft');
    await ok(mod.socket, 'breakout:assign', { participantId: bea.id, roomId: red.id });
    const bm = await beaMoved;
    assert.equal(bm.reason, 'assigned');
    assert.equal(bm.snapshot.roomId, red.id);
    assert.deepEqual(bm.snapshot.participants.map((p) => p.name), ['Bea']);
    assert.deepEqual(bm.talk, [], 'a room starts with its own empty talk');
    assert.deepEqual(await modHeard, { participantId: bea.id, reason: 'moved' });

    const cydArrives = next<ParticipantInfo>(bea.socket, 'meeting:participantJoined', (p) => p.id === cyd.id);
    const cydMoved = moved(cyd, red.id);
    await ok(mod.socket, 'breakout:assign', { participantId: cyd.id, roomId: red.id });
    await cydArrives;
    assert.deepEqual((await cydMoved).snapshot.participants.map((p) => p.name).sort(), ['Bea', 'Cyd']);

    // Chat, reactions and hands stay in the room.
    const modChat = record<TalkMessage>(mod.socket, 'talk:message');
    const modReactions = record(mod.socket, 'reaction:shown');
    const modUpdates = record<ParticipantInfo>(mod.socket, 'meeting:participantUpdated');
    const cydHears = next<TalkMessage>(cyd.socket, 'talk:message');
    await ok(bea.socket, 'talk:send', { text: 'said in Red' });
    assert.equal((await cydHears).text, 'said in Red');
    await ok(bea.socket, 'reaction:send', { emoji: '👍' });
    await ok(bea.socket, 'hand:set', { raised: true });
    await refused(bea.socket, 'talk:send', { text: 'psst', to: mod.id }, 'PARTICIPANT_NOT_FOUND', 'a private message to another room');
    await ok(mod.socket, 'talk:send', { text: 'main only' });
    await sleep(200);
    assert.deepEqual(modChat.map((c) => c.text), ['main only']);
    assert.equal(modReactions.length, 0);
    assert.equal(modUpdates.filter((u) => u.id === bea.id).length, 0);
    assert.deepEqual(live(m).talk.messagesFor(cyd.id as never).map((c) => c.text), ['said in Red']);

    // Back in the main room together: its chat history, not Red's, and each
    // one's own private messages there.
    const beaBack = moved(bea, null);
    const cydBack = moved(cyd, null);
    await ok(mod.socket, 'breakout:closeAll', {});
    const back = await beaBack;
    assert.deepEqual(back.talk.map((c) => c.text), ['said in the main room', 'main only']);
    assert.deepEqual((await cydBack).talk.map((c) => c.text), ['said in the main room', 'psst', 'main only']);
    assert.deepEqual(back.snapshot.participants.map((p) => p.name).sort(), ['Bea', 'Cyd', 'Mod']);
  });

  test('media is re-routed: consumers across rooms close, and producers of another room cannot be consumed; mute state is kept', async () => {
    const m = await newMeeting();
    const mod = await joined(m, 'Mod');
    const bea = await joined(m, 'Bea');
    const cyd = await joined(m, 'Cyd');
    const modMedia = await withMedia(mod, ['mic', 'camera']);
    const beaMedia = await withMedia(bea, ['mic', 'camera']);
    await withMedia(cyd, []);
    const beaSeesMod = await consume(bea, modMedia.camera!);
    const modSeesBea = await consume(mod, beaMedia.camera!);
    const cydHearsBea = await consume(cyd, beaMedia.mic!);
    // Bea mutes herself before the move: she must still be muted after it.
    await ok(bea.socket, 'media:setProducerPaused', { producerId: beaMedia.mic, paused: true });

    const red = await createRoom(mod, 'Red');
    const beaLost = next<{ consumerId: string }>(bea.socket, 'media:consumerClosed', (c) => c.consumerId === beaSeesMod.id);
    const modLost = next<{ consumerId: string }>(mod.socket, 'media:consumerClosed', (c) => c.consumerId === modSeesBea.id);
    const cydLost = next<{ consumerId: string }>(cyd.socket, 'media:consumerClosed', (c) => c.consumerId === cydHearsBea.id);
    await ok(mod.socket, 'breakout:assign', { participantId: bea.id, roomId: red.id });
    await Promise.all([beaLost, modLost, cydLost]);
    const peer = (pid: string) => live(m).participant(pid as never).media;
    assert.equal(peer(bea.id).consumers.size, 0, 'no consumer of the main room left on the server');
    assert.equal(peer(mod.id).consumers.size, 0);
    assert.equal(peer(cyd.id).consumers.size, 0);

    // A client that stays behind cannot pull the other room's media back.
    await refused(bea.socket, 'media:consume', { producerId: modMedia.camera }, 'PRODUCER_NOT_FOUND', 'consuming the main room from Red');
    await refused(cyd.socket, 'media:consume', { producerId: beaMedia.camera }, 'PRODUCER_NOT_FOUND', 'consuming Red from the main room');

    // Cyd joins her: they consume each other, the main room still cannot.
    const cydMoved = moved(cyd, red.id);
    await ok(mod.socket, 'breakout:assign', { participantId: cyd.id, roomId: red.id });
    const snap = (await cydMoved).snapshot;
    const beaThere = snap.participants.find((p) => p.id === bea.id)!;
    assert.ok(beaThere.producers.some((p) => p.source === 'mic' && p.paused), 'Bea is shown muted in Red');
    assert.equal((await consume(cyd, beaMedia.camera!)).participantId, bea.id);

    // A moderator visits Red and sees Bea; back in the main room, not any more.
    await ok(mod.socket, 'breakout:join', { roomId: red.id });
    assert.equal((await consume(mod, beaMedia.camera!)).participantId, bea.id);
    await ok(mod.socket, 'breakout:join', { roomId: null });
    await refused(mod.socket, 'media:consume', { producerId: beaMedia.camera }, 'PRODUCER_NOT_FOUND');

    // Everyone back: same producers, same mute state, consumable again.
    const beaBack = moved(bea, null);
    assert.equal((await ok<{ moved: number }>(mod.socket, 'breakout:closeAll', {})).moved, 2);
    const back = await beaBack;
    assert.equal(back.reason, 'all-closed');
    const beaInfo = live(m).participant(bea.id as never).info();
    assert.deepEqual(beaInfo.producers.map((p) => [p.id, p.paused]).sort(), [[beaMedia.mic, true], [beaMedia.camera, false]].sort());
    assert.equal((await consume(mod, beaMedia.camera!)).participantId, bea.id);
    assert.equal((await consume(bea, modMedia.camera!)).participantId, mod.id);
  });

  test('participants pick a room only when allowed; moderators may always visit', async () => {
    const m = await newMeeting();
    const mod = await joined(m, 'Mod');
    const bea = await joined(m, 'Bea');
    const red = await createRoom(mod, 'Red');
    await refused(bea.socket, 'breakout:join', { roomId: red.id }, 'ROOM_CHOICE_OFF');
    assert.equal(roomOf(m, bea.id), null);

    const open = stateWhere(bea, (s) => s.participantsChoose);
    await ok(mod.socket, 'breakout:settings', { participantsChoose: true });
    await open;
    const beaMoved = moved(bea, red.id);
    await ok(bea.socket, 'breakout:join', { roomId: red.id });
    assert.equal((await beaMoved).reason, 'chose');
    await refused(bea.socket, 'breakout:join', { roomId: 'made-up' }, 'ROOM_NOT_FOUND');
    await ok(bea.socket, 'breakout:join', { roomId: null });
    assert.equal(roomOf(m, bea.id), null);

    await ok(mod.socket, 'breakout:settings', { participantsChoose: false });
    await ok(mod.socket, 'breakout:assign', { participantId: bea.id, roomId: red.id });
    await refused(bea.socket, 'breakout:join', { roomId: null }, 'ROOM_CHOICE_OFF', 'leaving the room one was sent to');
    assert.equal(roomOf(m, bea.id), red.id);
    await ok(mod.socket, 'breakout:join', { roomId: red.id });
    assert.equal(roomOf(m, mod.id), red.id);
  });

  test('auto-assign spreads the main room evenly (moderators stay); state comes as few versioned snapshots', async () => {
    const m = await newMeeting();
    const mod = await joined(m, 'Mod');
    const people: Joined[] = [];
    for (let i = 0; i < 20; i++) people.push(await joined(m, `P${i}`));
    const rooms = [await createRoom(mod, 'A'), await createRoom(mod, 'B'), await createRoom(mod, 'C')];
    await sleep(300);
    const states = record<BreakoutState>(people[0]!.socket, 'breakout:state');
    const allMoved = people.map((p) => next<Moved>(p.socket, 'breakout:moved'));
    assert.equal((await ok<{ moved: number }>(mod.socket, 'breakout:autoAssign', {})).moved, 20);
    const moves = await Promise.all(allMoved);
    assert.ok(moves.every((x) => x.reason === 'auto-assigned'));
    await sleep(500);
    const state = live(m).breakouts.state();
    assert.deepEqual(state.rooms.map((r) => r.members.length).sort(), [6, 7, 7]);
    assert.deepEqual(state.main.map((x) => x.name), ['Mod']);
    // Twenty moves: one snapshot (or two at a throttle boundary), never twenty.
    assert.ok(states.length >= 1 && states.length <= 2, `${states.length} snapshots`);
    const last = states.at(-1)!;
    assert.equal(last.version, state.version, 'the last snapshot is the current state');
    assert.deepEqual(last.rooms, state.rooms);
    for (const [i, p] of people.entries()) {
      const room = state.rooms.find((r) => r.members.some((x) => x.id === p.id))!;
      assert.equal(moves[i]!.roomId, room.id);
      assert.deepEqual(moves[i]!.snapshot.participants.map((x) => x.id).sort(), room.members.map((x) => x.id).sort());
    }
    assert.ok(rooms.every((r) => state.rooms.some((x) => x.id === r.id)));

    // Everyone back in one call: the moderator hears each arrival once.
    const arrivals = record<ParticipantInfo>(mod.socket, 'meeting:participantJoined');
    const beaJoins = record<ParticipantInfo>(people[0]!.socket, 'meeting:participantJoined');
    const back = people.map((p) => moved(p, null));
    await ok(mod.socket, 'breakout:closeAll', {});
    const returned = await Promise.all(back);
    assert.ok(returned.every((r) => r.snapshot.participants.length === 21));
    await sleep(300);
    assert.equal(arrivals.length, 20);
    assert.equal(beaJoins.length, 0, 'those who return together learn of each other from their snapshot');
  });

  test('the timer warns, then sends everyone back; closing one room keeps it', async () => {
    const m = await newMeeting();
    const mod = await joined(m, 'Mod');
    const bea = await joined(m, 'Bea');
    const cyd = await joined(m, 'Cyd');
    const red = await createRoom(mod, 'Red');
    const blue = await createRoom(mod, 'Blue');
    await refused(bea.socket, 'breakout:timer', { seconds: 60 }, 'NOT_MODERATOR');
    await ok(mod.socket, 'breakout:assign', { participantId: bea.id, roomId: red.id });
    await ok(mod.socket, 'breakout:assign', { participantId: cyd.id, roomId: blue.id });

    // Close one room: its people come back, the room remains.
    const cydBack = moved(cyd, null);
    assert.equal((await ok<{ moved: number }>(mod.socket, 'breakout:close', { roomId: blue.id })).moved, 1);
    assert.equal((await cydBack).reason, 'room-closed');
    assert.equal(live(m).breakouts.state().rooms.length, 2);

    const started = Date.now();
    const warning = next<{ endsAt: number }>(bea.socket, 'breakout:ending');
    const back = moved(bea, null);
    const { endsAt } = await ok<{ endsAt: number }>(mod.socket, 'breakout:timer', { seconds: 2 });
    assert.ok(Math.abs(endsAt - (started + 2000)) < 500);
    assert.equal(live(m).breakouts.state().endsAt, endsAt);
    assert.equal((await warning).endsAt, endsAt);
    const warnedAt = Date.now();
    assert.ok(warnedAt < endsAt, 'the warning comes before the end');
    assert.equal(roomOf(m, bea.id), red.id);
    assert.equal((await back).reason, 'timer');
    assert.ok(Date.now() >= endsAt - 50);
    assert.equal(live(m).breakouts.state().endsAt, null);

    // A stopped timer never fires.
    await ok(mod.socket, 'breakout:assign', { participantId: bea.id, roomId: red.id });
    await ok(mod.socket, 'breakout:timer', { seconds: 1 });
    await ok(mod.socket, 'breakout:timer', { seconds: null });
    await sleep(1300);
    assert.equal(roomOf(m, bea.id), red.id);
  });

  test('a moderator message reaches every room', async () => {
    const m = await newMeeting();
    const mod = await joined(m, 'Mod');
    const bea = await joined(m, 'Bea');
    const cyd = await joined(m, 'Cyd');
    await ok(mod.socket, 'breakout:assign', { participantId: bea.id, roomId: (await createRoom(mod)).id });
    const heard = [bea, cyd, mod].map((j) => next<{ from: string; text: string }>(j.socket, 'breakout:message'));
    await ok(mod.socket, 'breakout:broadcast', { text: 'Five minutes left' });
    for (const h of await Promise.all(heard)) assert.deepEqual([h.from, h.text], ['Mod', 'Five minutes left']);
  });

  test('someone who drops comes back into the room they were in', async () => {
    const m = await newMeeting();
    const mod = await joined(m, 'Mod');
    const bea = await joined(m, 'Bea');
    const red = await createRoom(mod, 'Red');
    await ok(mod.socket, 'breakout:assign', { participantId: bea.id, roomId: red.id });
    bea.socket.close();
    await sleep(100);
    const again = await connect(parley.url, bea.token);
    opened.push(again);
    const res = await ok<{ snapshot: MeetingSnapshot; resumed: boolean }>(again, 'meeting:join', {});
    assert.equal(res.resumed, true);
    assert.equal(res.snapshot.roomId, red.id);
    const modChat = record<TalkMessage>(mod.socket, 'talk:message');
    await ok(again, 'talk:send', { text: 'still in Red' });
    await sleep(150);
    assert.equal(modChat.length, 0);
  });
});

describe('breakout rooms: forgery', () => {
  test('a participant tries every moderator action; a socket that has not joined tries them all', async () => {
    const m = await newMeeting();
    const mod = await joined(m, 'Mod');
    const bea = await joined(m, 'Bea');
    const cyd = await joined(m, 'Cyd');
    const red = await createRoom(mod, 'Red');
    const before = live(m).breakouts.state();
    const attempts: [string, object][] = [
      ['breakout:create', { name: 'Mine' }],
      ['breakout:rename', { roomId: red.id, name: 'Mine' }],
      ['breakout:remove', { roomId: red.id }],
      ['breakout:assign', { participantId: cyd.id, roomId: red.id }],
      ['breakout:assign', { participantId: bea.id, roomId: red.id }],
      ['breakout:autoAssign', {}],
      ['breakout:settings', { participantsChoose: true }],
      ['breakout:timer', { seconds: 30 }],
      ['breakout:broadcast', { text: 'hi all' }],
      ['breakout:close', { roomId: red.id }],
      ['breakout:closeAll', {}],
    ];
    for (const [event, payload] of attempts) await refused(bea.socket, event, payload, 'NOT_MODERATOR', `${event} by a participant`);

    const { token } = mintToken(m, 'Knocker');
    const stranger = await connect(parley.url, token);
    opened.push(stranger);
    for (const [event, payload] of [...attempts, ['breakout:join', { roomId: red.id }] as [string, object]]) {
      await refused(stranger, event, payload, 'NOT_JOINED', `${event} before joining`);
    }
    const after = live(m).breakouts.state();
    assert.deepEqual(after, before, 'nothing changed');
    // A payload naming another participant as the one who moves is refused by shape.
    await refused(bea.socket, 'breakout:join', { roomId: red.id, participantId: cyd.id }, 'INVALID_PAYLOAD');
    const res = await request(bea.socket, 'breakout:join', { roomId: red.id });
    assert.equal(res.ok, false);
  });
});
