// The meeting's rules on their own: roster and roles, the door, moderation,
// media permissions, breakout moves and in-meeting chat, against an
// in-memory media plane (fake-sfu.ts). No worker, no socket: each test
// builds a Meeting and calls it as the gateway would. The same rules run
// end to end on real workers in meeting/moderation/breakout/media tests.
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { pino } from 'pino';
import { DomainError, type MeetingId, type ParticipantId, type RoomId } from '@parley/protocol';
import { Meeting, type MeetingEvents } from '../src/meet/Meeting.ts';
import type { MeetingRecord } from '../src/store/meetings.ts';
import { FakeSfu } from './fake-sfu.ts';

const silent = pino({ level: 'silent' });
const pid = (s: string) => s as ParticipantId;

function setup(opts: { record?: Partial<MeetingRecord>; maxParticipants?: number; resumeWindowMs?: number } = {}) {
  const sfu = new FakeSfu();
  const record: MeetingRecord = { id: 'meeting-1' as MeetingId, title: 'Rules', createdAt: Date.now(), moderatorTokenHash: 'h', ...opts.record };
  const meeting = new Meeting(record, sfu, { resumeWindowMs: opts.resumeWindowMs ?? 30, maxParticipants: opts.maxParticipants ?? 50 }, silent);
  const seen: { event: keyof MeetingEvents; args: unknown[] }[] = [];
  const events: (keyof MeetingEvents)[] = ['participantJoined', 'participantLeft', 'roleChanged', 'muted', 'kicked', 'admitted', 'knocking', 'lobbyLeft', 'denied', 'moved', 'consumerClosed', 'activeSpeaker', 'settings', 'talk', 'closed'];
  for (const event of events) meeting.on(event, (...args: unknown[]) => seen.push({ event, args }));
  const of = (event: keyof MeetingEvents) => seen.filter((e) => e.event === event).map((e) => e.args);
  const join = (id: string, o: { moderator?: boolean; password?: string; device?: string } = {}) =>
    meeting.join({ id: pid(id), name: id.toUpperCase(), moderator: o.moderator ?? false, device: o.device ?? null }, `socket-${id}`, o.password === undefined ? {} : { password: o.password });
  /** Joins and sets up media with a mic and a camera, live. */
  const withMedia = async (id: string, o: { moderator?: boolean; paused?: boolean } = {}) => {
    await join(id, o);
    const { send } = await meeting.media.setup(pid(id), { codecs: [] });
    const mic = await meeting.media.produce(pid(id), { transportId: send.id, kind: 'audio', source: 'mic', rtpParameters: { codecs: [] } as never, paused: o.paused ?? false });
    const camera = await meeting.media.produce(pid(id), { transportId: send.id, kind: 'video', source: 'camera', rtpParameters: { codecs: [] } as never, paused: o.paused ?? false });
    return { mic, camera };
  };
  const peer = (id: string) => sfu.peers.get(id)!;
  return { meeting, sfu, seen, of, join, withMedia, peer };
}

const code = (c: string) => (error: unknown) => error instanceof DomainError && error.code === c;

describe('roster and roles', () => {
  test('whoever finds the meeting empty moderates; the next ones participate; a full meeting refuses', async () => {
    const { meeting, join } = setup({ maxParticipants: 2 });
    assert.equal((await join('a')).participant.role, 'moderator');
    assert.equal((await join('b')).participant.role, 'participant');
    await assert.rejects(join('c'), code('MEETING_FULL'));
    assert.equal(meeting.size, 2);
  });

  test('the same participant joining again resumes its place on the new socket', async () => {
    const { meeting, join, of } = setup();
    await join('a');
    const replaced: unknown[][] = [];
    meeting.on('sessionReplaced', (...args) => replaced.push(args));
    const again = await meeting.join({ id: pid('a'), name: 'A', moderator: false }, 'socket-a2');
    assert.equal(again.resumed, true);
    assert.deepEqual(replaced, [[pid('a'), 'socket-a']]);
    assert.equal(of('participantJoined').length, 1);
  });

  test('when the last moderator leaves, the longest present takes over; renouncing hands the role on', async () => {
    const { meeting, join, of } = setup();
    await join('a');
    await join('b');
    await join('c');
    meeting.leave(pid('a'), 'left');
    assert.equal(meeting.participant(pid('b')).role, 'moderator');
    assert.deepEqual(of('roleChanged').at(-1), [pid('b'), 'moderator', 'last-moderator-left']);
    meeting.moderation.renounce(pid('b'));
    assert.equal(meeting.participant(pid('b')).role, 'participant');
    assert.equal(meeting.participant(pid('c')).role, 'moderator');
    assert.throws(() => meeting.moderation.grant(pid('b'), pid('b')), code('NOT_MODERATOR'));
  });

  test('a moderator whose page reloads keeps the role: nobody is promoted within the resume window, and it comes back as moderator', async () => {
    const { meeting, join, of } = setup({ resumeWindowMs: 40 });
    await join('a');
    await join('b');
    meeting.leave(pid('a'), 'left', { mayReturn: true });
    assert.equal(meeting.participant(pid('b')).role, 'participant', 'not promoted at once');
    const back = await join('a');
    assert.equal(back.participant.role, 'moderator');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(meeting.participant(pid('b')).role, 'participant', 'the moderator came back: nobody took over');
    assert.equal(of('roleChanged').length, 0);
  });

  test('the last one out closes the meeting and its media; someone waiting at the door keeps it open', async () => {
    const { meeting, sfu, join, of } = setup({ record: { waitingRoom: true } });
    await join('a', { moderator: true });
    meeting.door.knock({ id: pid('k'), name: 'K' }, 'socket-k');
    meeting.leave(pid('a'), 'left');
    assert.equal(meeting.closed, false, 'a knocker is still waiting');
    meeting.door.cancelKnock(pid('k'));
    assert.equal(meeting.closed, true);
    assert.equal(sfu.closed, true);
    assert.equal(of('closed').length, 1);
  });
});

describe('the door', () => {
  test('waiting room: a knock is seen by moderators only; admitted, the knocker walks in once', async () => {
    const { meeting, join, of } = setup({ record: { waitingRoom: true } });
    await join('mod', { moderator: true });
    await assert.rejects(join('x'), code('WAITING_ROOM'));
    meeting.door.knock({ id: pid('x'), name: 'X' }, 'socket-x');
    assert.equal(of('knocking').length, 1);
    await join('p', { moderator: true });
    assert.deepEqual(meeting.door.listFor(pid('mod')).map((k) => k.id), ['x']);
    assert.throws(() => meeting.door.admit(pid('x'), pid('x')), code('PARTICIPANT_NOT_FOUND'), 'a knocker is nobody in the meeting');
    meeting.door.admit(pid('mod'), pid('x'));
    assert.deepEqual(of('admitted'), [[pid('x')]]);
    assert.equal((await join('x')).participant.role, 'participant');
    meeting.leave(pid('x'), 'left');
    await assert.rejects(join('x'), code('WAITING_ROOM'), 'an admission is used once');
  });

  test('password: required, wrong, right; with "password skips the waiting room" off, the right password still waits', async () => {
    const { meeting, join } = setup();
    await join('mod');
    await meeting.moderation.setPassword(pid('mod'), 'open sesame');
    assert.equal(meeting.settings.passwordSet, true);
    await assert.rejects(join('a'), code('PASSWORD_REQUIRED'));
    await assert.rejects(join('a', { password: 'nope' }), code('WRONG_PASSWORD'));
    await join('a', { password: 'open sesame' });
    await meeting.moderation.updateSettings(pid('mod'), { waitingRoom: true, passwordSkipsWaitingRoom: false });
    await assert.rejects(join('b', { password: 'open sesame' }), code('WAITING_ROOM'));
    assert.match(meeting.storedSettings().passwordHash ?? '', /.{20,}/, 'kept hashed');
    assert.notEqual(meeting.storedSettings().passwordHash, 'open sesame');
  });

  test('a kicked person is known by id and device: back only through the waiting room, forgiven once admitted', async () => {
    const { meeting, join, of } = setup();
    await join('mod');
    await join('bad', { device: 'dev-1' });
    meeting.moderation.kick(pid('mod'), pid('bad'), '  rude ', { waitingRoom: false });
    assert.deepEqual(of('kicked'), [[pid('bad'), 'rude', 'MOD']]);
    assert.equal(meeting.has(pid('bad')), false);
    await assert.rejects(join('bad'), code('WAITING_ROOM'));
    await assert.rejects(join('new-id-same-browser', { device: 'dev-1' }), code('WAITING_ROOM'));
    await join('other', { device: 'dev-2' });
    meeting.door.knock({ id: pid('bad'), name: 'BAD' }, 's');
    meeting.door.admit(pid('mod'), pid('bad'));
    await join('bad');
    assert.throws(() => meeting.moderation.kick(pid('mod'), pid('mod'), undefined), code('INVALID_PAYLOAD'));
  });

  test('switching the waiting room off lets everyone waiting in', async () => {
    const { meeting, join, of } = setup({ record: { waitingRoom: true } });
    await join('mod', { moderator: true });
    for (const k of ['k1', 'k2', 'k3']) meeting.door.knock({ id: pid(k), name: k }, `s-${k}`);
    await meeting.moderation.updateSettings(pid('mod'), { waitingRoom: false });
    assert.deepEqual(of('admitted').map(([id]) => id).sort(), ['k1', 'k2', 'k3']);
    assert.deepEqual(meeting.door.listFor(pid('mod')), []);
  });
});

describe('moderation of media', () => {
  test('mute pauses the mic on the server and tells its owner; mute-all skips the caller', async () => {
    const { meeting, withMedia, peer, of } = setup();
    await withMedia('mod');
    const b = await withMedia('b');
    await withMedia('c');
    await meeting.moderation.mute(pid('mod'), pid('b'), 'audio');
    assert.equal(peer('b').producers.get(b.mic)!.paused, true);
    assert.equal(peer('b').producers.get(b.camera)!.paused, false, 'the camera is not the mic');
    assert.deepEqual(of('muted')[0], [pid('b'), 'audio', 'MOD', 'moderator']);
    assert.equal(await meeting.moderation.muteAll(pid('mod'), 'audio'), 1, 'only c still had a live mic');
    assert.equal([...peer('mod').producers.values()].every((p) => !p.paused), true);
    await assert.rejects(meeting.moderation.mute(pid('b'), pid('c'), 'audio'), code('NOT_MODERATOR'));
  });

  test('audio moderation: switching it on mutes everyone but moderators; unmuting is refused until allowed', async () => {
    const { meeting, withMedia, peer } = setup();
    await withMedia('mod');
    const b = await withMedia('b');
    await meeting.moderation.updateSettings(pid('mod'), { audioModeration: true });
    assert.equal(peer('b').producers.get(b.mic)!.paused, true);
    assert.equal([...peer('mod').producers.values()].every((p) => !p.paused), true);
    await assert.rejects(meeting.media.setProducerPaused(pid('b'), b.mic, false), code('MODERATED'));
    await meeting.moderation.allow(pid('mod'), pid('b'), 'audio', true);
    await meeting.media.setProducerPaused(pid('b'), b.mic, false);
    assert.equal(peer('b').producers.get(b.mic)!.paused, false);
    await meeting.moderation.allow(pid('mod'), pid('b'), 'audio', false);
    assert.equal(peer('b').producers.get(b.mic)!.paused, true, 'taking the right back mutes');
  });

  test('video moderation closes a screen share (it counts as video)', async () => {
    const { meeting, withMedia, peer } = setup();
    await withMedia('mod');
    await withMedia('b');
    const send = peer('b').transportIds.send!;
    const screen = await meeting.media.produce(pid('b'), { transportId: send, kind: 'video', source: 'screen', rtpParameters: { codecs: [] } as never, paused: false });
    await meeting.moderation.updateSettings(pid('mod'), { videoModeration: true });
    assert.equal(peer('b').producers.has(screen), false);
    await assert.rejects(
      meeting.media.produce(pid('b'), { transportId: send, kind: 'video', source: 'screen', rtpParameters: { codecs: [] } as never, paused: false }),
      code('MODERATED'),
    );
  });

  test('"everyone starts muted" pauses the first mic of those who joined under it, whatever their client asks', async () => {
    const { meeting, withMedia, join, peer, of } = setup();
    await join('mod');
    await meeting.moderation.updateSettings(pid('mod'), { startMuted: true });
    const b = await withMedia('b');
    assert.equal(peer('b').producers.get(b.mic)!.paused, true);
    assert.equal(peer('b').producers.get(b.camera)!.paused, false);
    assert.deepEqual(of('muted').at(-1), [pid('b'), 'audio', null, 'start-muted']);
    await meeting.media.setProducerPaused(pid('b'), b.mic, false);
    assert.equal(peer('b').producers.get(b.mic)!.paused, false, 'they may unmute themself');
  });

  test('a source carries its own kind only', async () => {
    const { meeting, join } = setup();
    await join('a');
    const { send } = await meeting.media.setup(pid('a'), { codecs: [] });
    await assert.rejects(
      meeting.media.produce(pid('a'), { transportId: send.id, kind: 'video', source: 'mic', rtpParameters: { codecs: [] } as never, paused: false }),
      code('INVALID_PAYLOAD'),
    );
  });

  test('a muted speaker stops being the speaker; a late speaker report about someone who changed rooms is dropped', async () => {
    const { meeting, sfu, withMedia, of } = setup();
    await withMedia('mod');
    const b = await withMedia('b');
    sfu.speak('', 'b');
    assert.equal(meeting.snapshot().activeSpeakerId, 'b');
    await meeting.media.setProducerPaused(pid('b'), b.mic, true);
    assert.equal(meeting.snapshot().activeSpeakerId, null);
    const room = meeting.breakouts.create(pid('mod'), 'One');
    meeting.breakouts.assign(pid('mod'), pid('b'), room.id);
    sfu.speak('', 'b');
    assert.equal(meeting.snapshot().activeSpeakerId, null, 'b is not in the main room any more');
    sfu.speak(room.id, 'b');
    assert.equal(meeting.snapshot(room.id as RoomId).activeSpeakerId, 'b');
    assert.ok(of('activeSpeaker').length >= 3);
  });
});

describe('breakout rooms', () => {
  test('auto-assign spreads the main room evenly, moderators stay; moves close consumers across rooms both ways', async () => {
    const { meeting, withMedia, peer, of } = setup();
    await withMedia('mod');
    for (const id of ['a', 'b', 'c', 'd', 'e']) await withMedia(id);
    // Everyone consumes everyone in the main room.
    for (const holder of ['mod', 'a', 'b', 'c', 'd', 'e']) {
      for (const owner of ['mod', 'a', 'b', 'c', 'd', 'e']) {
        if (owner === holder) continue;
        for (const producer of peer(owner).producers.keys()) await meeting.media.consume(pid(holder), producer);
      }
    }
    const one = meeting.breakouts.create(pid('mod'), 'One');
    const two = meeting.breakouts.create(pid('mod'), 'Two');
    assert.equal(meeting.breakouts.autoAssign(pid('mod')), 5);
    const state = meeting.breakouts.state();
    assert.deepEqual(state.main.map((m) => m.id), ['mod']);
    const sizes = state.rooms.map((r) => r.members.length).sort();
    assert.deepEqual(sizes, [2, 3]);
    // Nobody consumes anyone of another room any more.
    for (const [holderId, holder] of meeting.breakouts.state().rooms.flatMap((r) => r.members.map((m) => [m.id, r.id] as const))) {
      for (const c of peer(holderId).consumers.values()) {
        const owner = (c.appData as { peerId: string }).peerId;
        assert.equal(meeting.roomOf(pid(owner)), holder, `${holderId} still consumes ${owner}`);
      }
    }
    assert.equal(peer('mod').consumers.size, 0, 'the main room is alone now');
    assert.ok(of('consumerClosed').length > 0);
    assert.deepEqual(of('moved').length, 1, 'one batch');
    // A producer of another room cannot be consumed, even by id.
    const inOne = state.rooms.find((r) => r.id === one.id)!.members[0]!.id;
    const inTwo = state.rooms.find((r) => r.id === two.id)!.members[0]!.id;
    const foreign = [...peer(inTwo).producers.keys()][0]!;
    await assert.rejects(meeting.media.consume(pid(inOne), foreign), code('PRODUCER_NOT_FOUND'));
  });

  test('participants choose a room only when allowed; removing a room brings its people back and drops its speaker detection', async () => {
    const { meeting, sfu, join } = setup();
    await join('mod');
    await join('a');
    const room = meeting.breakouts.create(pid('mod'), 'Only');
    assert.throws(() => meeting.breakouts.choose(pid('a'), room.id), code('ROOM_CHOICE_OFF'));
    meeting.breakouts.setChoice(pid('mod'), true);
    meeting.breakouts.choose(pid('a'), room.id);
    assert.equal(meeting.roomOf(pid('a')), room.id);
    assert.equal(sfu.peers.get('a')!.group, room.id);
    meeting.breakouts.remove(pid('mod'), room.id);
    assert.equal(meeting.roomOf(pid('a')), null);
    assert.deepEqual(sfu.droppedGroups, [room.id]);
    assert.throws(() => meeting.breakouts.assign(pid('a'), pid('a'), null), code('NOT_MODERATOR'));
  });
});

describe('in-meeting chat', () => {
  test('chat is per room; private messages stay within a room and never reach a third person', async () => {
    const { meeting, join } = setup();
    await join('mod');
    await join('a');
    await join('b');
    meeting.talk.send(pid('a'), 'hello all');
    meeting.talk.send(pid('a'), 'psst', 'b');
    assert.deepEqual(meeting.talk.messagesFor(pid('b')).map((m) => m.text), ['hello all', 'psst']);
    assert.deepEqual(meeting.talk.messagesFor(pid('mod')).map((m) => m.text), ['hello all']);
    const room = meeting.breakouts.create(pid('mod'), 'R');
    meeting.breakouts.assign(pid('mod'), pid('b'), room.id);
    assert.throws(() => meeting.talk.send(pid('a'), 'across', 'b'), code('PARTICIPANT_NOT_FOUND'));
    assert.deepEqual(meeting.talk.messagesFor(pid('b')), [], 'a new room, a new conversation');
    assert.throws(() => meeting.talk.send(pid('a'), '   '), code('INVALID_PAYLOAD'));
    assert.throws(() => meeting.talk.send(pid('a'), 'x'.repeat(100_000)), code('PAYLOAD_TOO_LARGE'));
    assert.throws(() => meeting.talk.send(pid('a'), 'me', 'a'), code('INVALID_PAYLOAD'));
  });
});
