// Moderation and the waiting room at the protocol level: real server, real
// mediasoup worker, Socket.IO clients. Every rule is checked on the server,
// so these tests drive it without a browser and also try to cheat.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type { TalkMessage, JoinResult, Knocker, MeetingId, MeetingSettings, ParticipantInfo } from '@parley/protocol';
import type { Parley } from '../src/index.ts';
import { closeAll, connect, joinAs, mintToken, next, ok, record, refused, request, setupMedia, sleep, startServer, tryProduce, withMedia, type ClientSocket, type Joined } from './helpers.ts';

let parley: Parley;
const opened: ClientSocket[] = [];

beforeAll(async () => {
  parley = await startServer();
});
afterAll(async () => {
  closeAll(...opened);
  await parley.close();
});

async function meeting(opts: { waitingRoom?: boolean } = {}): Promise<string> {
  return (await parley.meetings.create('Moderated', opts)).record.id;
}
async function joined(meetingId: string, name: string, opts: { moderator?: boolean; payload?: object } = {}): Promise<Joined> {
  const j = await joinAs(parley, meetingId, name, opts);
  opened.push(j.socket);
  return j;
}
/** A socket with a fresh token that has not joined (a would-be participant). */
async function visitor(meetingId: string, name: string): Promise<{ socket: ClientSocket; id: string; token: string }> {
  const { token, participantId } = mintToken(meetingId, name);
  const socket = await connect(parley.url, token);
  opened.push(socket);
  return { socket, id: participantId, token };
}
const live = (id: string) => parley.meetings.live(id as MeetingId)!;
const role = (meetingId: string, pid: string) => live(meetingId).participant(pid as never).role;

const producerPaused = (meetingId: string, pid: string, source: string) =>
  live(meetingId).participant(pid as never).info().producers.find((p) => p.source === source)?.paused;

describe('the moderator role', () => {
  test('a moderator grants the role; the new moderator is told and hears the waiting room', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const b = await joined(m, 'Bea');
    const promoted = next<{ reason: string }>(b.socket, 'moderation:promoted');
    const updated = next<ParticipantInfo>(mod.socket, 'meeting:participantUpdated', (p) => p.id === b.id && p.role === 'moderator');
    await ok(mod.socket, 'moderation:grant', { participantId: b.id });
    assert.equal((await promoted).reason, 'granted');
    await updated;
    await ok(b.socket, 'moderation:settings', { waitingRoom: true });
    const knock = next<Knocker>(b.socket, 'lobby:knocking');
    const v = await visitor(m, 'Vic');
    await ok(v.socket, 'lobby:knock', {});
    assert.equal((await knock).name, 'Vic');
  });

  test('giving the role up: the only moderator hands it to the longest present; alone it is LAST_MODERATOR', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    await refused(mod.socket, 'moderation:renounce', {}, 'LAST_MODERATOR');
    const b = await joined(m, 'Bea');
    await joined(m, 'Cy');
    const promoted = next<{ reason: string }>(b.socket, 'moderation:promoted');
    await ok(mod.socket, 'moderation:renounce', {});
    assert.equal((await promoted).reason, 'last-moderator-left');
    assert.equal(role(m, mod.id), 'participant');
    assert.equal(role(m, b.id), 'moderator');
    await refused(mod.socket, 'moderation:mute', { participantId: b.id, kind: 'audio' }, 'NOT_MODERATOR', 'a former moderator');
  });

  test('the last moderator leaves: the longest present is promoted; the creator comes back with its token as moderator and sees who waits', async () => {
    const m = await meeting({ waitingRoom: true });
    const host = await joined(m, 'Host', { moderator: true });
    const v1 = await visitor(m, 'Early');
    await refused(v1.socket, 'meeting:join', {}, 'WAITING_ROOM');
    await ok(v1.socket, 'lobby:knock', {});
    await ok(host.socket, 'lobby:admit', { participantId: v1.id });
    await ok(v1.socket, 'meeting:join', {});
    const late = await visitor(m, 'Late');
    await ok(late.socket, 'meeting:join', {}).catch(() => undefined);
    await ok(late.socket, 'lobby:knock', {});
    await ok(host.socket, 'lobby:admit', { participantId: late.id });
    await ok(late.socket, 'meeting:join', {});
    const waiting = await visitor(m, 'Waiting');
    await ok(waiting.socket, 'lobby:knock', {});

    const promoted = next<{ reason: string }>(v1.socket, 'moderation:promoted');
    await ok(host.socket, 'meeting:leave', {});
    assert.equal((await promoted).reason, 'last-moderator-left');
    assert.equal(role(m, v1.id), 'moderator', 'the longest present');
    assert.equal(role(m, late.id), 'participant');

    const back = await joined(m, 'Host', { moderator: true });
    assert.equal(back.join.self.role, 'moderator');
    assert.deepEqual(back.join.lobby.map((k) => k.name), ['Waiting']);
    // A participant's join result never lists the waiting room.
    const p = await visitor(m, 'Nosy');
    await ok(p.socket, 'lobby:knock', {});
    await ok(back.socket, 'lobby:admit', { participantId: p.id });
    const pj = await ok<JoinResult>(p.socket, 'meeting:join', {});
    assert.deepEqual(pj.lobby, []);
  });
});

describe('kick', () => {
  test('the kicked person sees the reason, the others see them go, and they can only come back by knocking', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const other = await joined(m, 'Other');
    const troll = await joined(m, 'Troll');
    const told = next<{ reason: string | null; by: string }>(troll.socket, 'moderation:kicked');
    const left = next<{ participantId: string; reason: string }>(other.socket, 'meeting:participantLeft');
    await ok(mod.socket, 'moderation:kick', { participantId: troll.id, reason: 'spamming the chat' });
    assert.deepEqual(await told, { reason: 'spamming the chat', by: 'Mod' });
    assert.deepEqual(await left, { participantId: troll.id, reason: 'kicked' });
    await refused(troll.socket, 'talk:send', { text: 'still here' }, 'NOT_JOINED');
    await refused(troll.socket, 'meeting:join', {}, 'WAITING_ROOM', 'rejoining silently');
    const knock = next<Knocker>(mod.socket, 'lobby:knocking');
    await ok(troll.socket, 'lobby:knock', {});
    assert.equal((await knock).id, troll.id);
    await ok(mod.socket, 'lobby:admit', { participantId: troll.id });
    await ok(troll.socket, 'meeting:join', {});
    await refused(mod.socket, 'moderation:kick', { participantId: mod.id }, 'INVALID_PAYLOAD', 'kicking oneself');
  });

  test('a fresh link from the kicked browser (same device cookie) still has to knock', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const joinHttp = async (name: string, cookie?: string) => {
      const res = await fetch(`${parley.url}/api/meetings/${m}/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({ name }),
      });
      const body = (await res.json()) as { token: string; participantId: string };
      return { ...body, setCookie: res.headers.get('set-cookie') ?? '' };
    };
    const first = await joinHttp('Troll');
    const device = /parley_device=([a-z2-7]{26})/.exec(first.setCookie)?.[1];
    assert.ok(device, 'a device cookie is issued');
    assert.match(first.setCookie, /HttpOnly/);
    const t = await connect(parley.url, first.token);
    opened.push(t);
    await ok(t, 'meeting:join', {});
    await ok(mod.socket, 'moderation:kick', { participantId: first.participantId });
    const again = await joinHttp('Totally new person', `parley_device=${device}`);
    assert.notEqual(again.participantId, first.participantId);
    assert.match(again.setCookie, new RegExp(`parley_device=${device}`), 'the same browser keeps its cookie');
    const s = await connect(parley.url, again.token);
    opened.push(s);
    await refused(s, 'meeting:join', {}, 'WAITING_ROOM');
    // Another browser is not affected.
    const other = await joinHttp('Someone else');
    const o = await connect(parley.url, other.token);
    opened.push(o);
    await ok(o, 'meeting:join', {});
  });

  test('while the meeting is locked with a password and has no waiting room, the kicked are refused', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const troll = await joined(m, 'Troll');
    await ok(mod.socket, 'moderation:setPassword', { password: 'hunter2' });
    await ok(mod.socket, 'moderation:kick', { participantId: troll.id });
    await refused(troll.socket, 'meeting:join', { password: 'hunter2' }, 'WAITING_ROOM', 'the password does not undo a kick');
    await refused(troll.socket, 'lobby:knock', {}, 'KICKED');
  });

  test('a kick may close the door in the same step: the waiting room is on before the removed person can come back from anywhere', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const other = await joined(m, 'Other');
    const troll = await joined(m, 'Troll');
    const settings = next<MeetingSettings>(other.socket, 'meeting:settings', (s) => s.waitingRoom);
    const told = next(troll.socket, 'moderation:kicked');
    await ok(mod.socket, 'moderation:kick', { participantId: troll.id, waitingRoom: true });
    await told;
    assert.equal((await settings).waitingRoom, true);
    // From another browser (a token and device the meeting never saw), it knocks like anyone.
    const stranger = await visitor(m, 'Troll again');
    await refused(stranger.socket, 'meeting:join', {}, 'WAITING_ROOM');
    await refused(mod.socket, 'moderation:kick', { participantId: other.id, waitingRoom: false }, 'INVALID_PAYLOAD', 'only true is a choice');
    await refused(other.socket, 'moderation:kick', { participantId: mod.id, waitingRoom: true }, 'NOT_MODERATOR');
    assert.equal(live(m).settings.waitingRoom, true);
  });
});

describe('mute and stop camera', () => {
  test('a moderator mutes one participant on the server; they are told and may unmute themself', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const b = await joined(m, 'Bea');
    const prods = await withMedia(b, ['mic', 'camera']);
    const muted = next<{ kind: string; by: string; reason: string }>(b.socket, 'moderation:muted');
    await ok(mod.socket, 'moderation:mute', { participantId: b.id, kind: 'audio' });
    assert.deepEqual(await muted, { kind: 'audio', by: 'Mod', reason: 'moderator' });
    assert.equal(producerPaused(m, b.id, 'mic'), true);
    assert.equal(producerPaused(m, b.id, 'camera'), false);
    await ok(b.socket, 'media:setProducerPaused', { producerId: prods.mic, paused: false });
    assert.equal(producerPaused(m, b.id, 'mic'), false);
    await ok(mod.socket, 'moderation:mute', { participantId: b.id, kind: 'video' });
    assert.equal(producerPaused(m, b.id, 'camera'), true);
  });

  test('mute everyone (but me) and stop everyone’s camera', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const a = await joined(m, 'A');
    const b = await joined(m, 'B');
    await withMedia(mod, ['mic', 'camera']);
    await withMedia(a, ['mic', 'camera']);
    await withMedia(b, ['mic']);
    const r = await ok<{ muted: number }>(mod.socket, 'moderation:muteAll', { kind: 'audio' });
    assert.equal(r.muted, 2);
    assert.equal(producerPaused(m, mod.id, 'mic'), false, 'not the caller');
    assert.equal(producerPaused(m, a.id, 'mic'), true);
    assert.equal(producerPaused(m, b.id, 'mic'), true);
    const v = await ok<{ muted: number }>(mod.socket, 'moderation:muteAll', { kind: 'video' });
    assert.equal(v.muted, 1);
    assert.equal(producerPaused(m, a.id, 'camera'), true);
    assert.equal(producerPaused(m, mod.id, 'camera'), false);
  });

  test('hard audio moderation: nobody unmutes until allowed; "ask to unmute" allows and asks, never unmutes', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const b = await joined(m, 'Bea');
    const modMedia = await withMedia(mod, ['mic']);
    const prods = await withMedia(b, ['mic']);
    const muted = next<{ reason: string }>(b.socket, 'moderation:muted');
    const settings = next<MeetingSettings>(b.socket, 'meeting:settings');
    await ok(mod.socket, 'moderation:settings', { audioModeration: true });
    assert.equal((await muted).reason, 'moderation-on');
    assert.equal((await settings).audioModeration, true);
    assert.equal(producerPaused(m, b.id, 'mic'), true);
    assert.equal(producerPaused(m, mod.id, 'mic'), false, 'moderators are not moderated');
    await refused(b.socket, 'media:setProducerPaused', { producerId: prods.mic, paused: false }, 'MODERATED');
    await ok(b.socket, 'hand:set', { raised: true });
    const asked = next<{ kind: string; by: string }>(b.socket, 'moderation:askedToUnmute');
    await ok(mod.socket, 'moderation:askToUnmute', { participantId: b.id, kind: 'audio' });
    assert.deepEqual(await asked, { kind: 'audio', by: 'Mod' });
    assert.equal(producerPaused(m, b.id, 'mic'), true, 'asking does not unmute');
    assert.deepEqual(live(m).participant(b.id as never).info().allowed, { audio: true, video: false });
    await ok(b.socket, 'media:setProducerPaused', { producerId: prods.mic, paused: false });
    assert.equal(producerPaused(m, b.id, 'mic'), false);
    await ok(mod.socket, 'moderation:allow', { participantId: b.id, kind: 'audio', allowed: false });
    assert.equal(producerPaused(m, b.id, 'mic'), true, 'taking the permission back mutes');
    await refused(b.socket, 'media:setProducerPaused', { producerId: prods.mic, paused: false }, 'MODERATED');
    // A newcomer cannot start unmuted either; paused is fine.
    const c = await joined(m, 'Cy');
    const tc = await setupMedia(c);
    assert.equal((await tryProduce(c, tc, 'mic')).code, 'MODERATED');
    assert.equal((await tryProduce(c, tc, 'mic', true)).ok, true);
    await ok(mod.socket, 'media:setProducerPaused', { producerId: modMedia.mic, paused: false });
  });

  test('hard video moderation covers camera and screen sharing', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const b = await joined(m, 'Bea');
    await ok(mod.socket, 'moderation:settings', { videoModeration: true });
    const tb = await setupMedia(b);
    assert.equal((await tryProduce(b, tb, 'camera')).code, 'MODERATED');
    assert.equal((await tryProduce(b, tb, 'screen')).code, 'MODERATED');
    await ok(mod.socket, 'moderation:allow', { participantId: b.id, kind: 'video', allowed: true });
    assert.equal((await tryProduce(b, tb, 'camera')).ok, true);
  });

  test('start muted and camera off apply to those who join afterwards, whatever their client asks', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const before = await joined(m, 'Before');
    const s = await ok<{ settings: MeetingSettings }>(mod.socket, 'moderation:settings', { startMuted: true, startCameraOff: true });
    assert.equal(s.settings.startMuted, true);
    const late = await joined(m, 'Late');
    assert.equal(late.join.settings.startMuted, true);
    assert.equal(late.join.settings.startCameraOff, true);
    const seen = record<{ kind: string; reason: string }>(late.socket, 'moderation:muted');
    const prods = await withMedia(late, ['mic', 'camera']);
    assert.equal(producerPaused(m, late.id, 'mic'), true);
    assert.equal(producerPaused(m, late.id, 'camera'), true);
    await sleep(100);
    assert.deepEqual(seen.map((x) => [x.kind, x.reason]), [['audio', 'start-muted'], ['video', 'start-muted']]);
    // Only the start: unmuting afterwards is theirs.
    await ok(late.socket, 'media:setProducerPaused', { producerId: prods.mic, paused: false });
    assert.equal(producerPaused(m, late.id, 'mic'), false);
    await withMedia(before, ['mic']);
    assert.equal(producerPaused(m, before.id, 'mic'), false, 'those already in are not affected');
  });

  test('follow me, layout and reaction sounds reach everyone; a pinned participant must exist', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const b = await joined(m, 'Bea');
    await refused(mod.socket, 'moderation:settings', { layout: { mode: 'stage', pinned: 'nobody' } }, 'PARTICIPANT_NOT_FOUND');
    const got = next<MeetingSettings>(b.socket, 'meeting:settings');
    await ok(mod.socket, 'moderation:settings', { followMe: true, layout: { mode: 'stage', pinned: b.id }, reactionSounds: false });
    const s = await got;
    assert.equal(s.followMe, true);
    assert.deepEqual(s.layout, { mode: 'stage', pinned: b.id });
    assert.equal(s.reactionSounds, false);
    await refused(mod.socket, 'moderation:settings', {}, 'INVALID_PAYLOAD', 'an empty change');
  });

  test('force compliance: a push turns follow-me on and bumps layoutPush for everyone; the recording’s layout is its own setting', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const b = await joined(m, 'Bea');
    assert.equal(b.join.settings.layoutPush, 0);
    assert.equal(b.join.settings.recordLayout, false);
    const pushed = next<MeetingSettings>(b.socket, 'meeting:settings', (s) => s.layoutPush === 1);
    await ok(mod.socket, 'moderation:pushLayout', {});
    const s = await pushed;
    assert.equal(s.followMe, true);
    const rec = next<MeetingSettings>(b.socket, 'meeting:settings', (x) => x.recordLayout);
    await ok(mod.socket, 'moderation:settings', { followMe: false, recordLayout: true, layout: { mode: 'grid', pinned: null } });
    const r = await rec;
    assert.equal(r.followMe, false, 'the recording follows the moderator without everyone else doing so');
    assert.deepEqual(r.layout, { mode: 'grid', pinned: null });
    await refused(b.socket, 'moderation:pushLayout', {}, 'NOT_MODERATOR');
    await refused(mod.socket, 'moderation:settings', { recordLayout: 'yes' }, 'INVALID_PAYLOAD');
    assert.equal(live(m).settings.layoutPush, 1);
  });
});

describe('waiting room', () => {
  test('knock then admit: only moderators see the knock; the knocker gets no meeting data until admitted', async () => {
    const m = await meeting({ waitingRoom: true });
    const host = await joined(m, 'Host', { moderator: true });
    const first = await visitor(m, 'First');
    await ok(first.socket, 'lobby:knock', {});
    await ok(host.socket, 'lobby:admit', { participantId: first.id });
    await ok(first.socket, 'meeting:join', {});
    const participantSaw = record<Knocker>(first.socket, 'lobby:knocking');

    const guest = await visitor(m, 'Guest');
    const guestChat = record<TalkMessage>(guest.socket, 'talk:message');
    const guestJoins = record<ParticipantInfo>(guest.socket, 'meeting:participantJoined');
    await refused(guest.socket, 'meeting:join', {}, 'WAITING_ROOM');
    const knock = next<Knocker>(host.socket, 'lobby:knocking');
    await ok(guest.socket, 'lobby:knock', {});
    const k = await knock;
    assert.equal(k.name, 'Guest');
    assert.equal(k.id, guest.id);
    // While waiting: nothing of the meeting, and no meeting action works.
    await ok(first.socket, 'talk:send', { text: 'secret plans' });
    await joined(m, 'Someone', { moderator: true });
    await refused(guest.socket, 'talk:send', { text: 'let me in' }, 'NOT_JOINED');
    await refused(guest.socket, 'media:setup', { rtpCapabilities: {} }, 'NOT_JOINED');
    await sleep(100);
    assert.deepEqual(guestChat, []);
    assert.deepEqual(guestJoins, []);
    assert.deepEqual(participantSaw, [], 'participants never see who waits');

    const admitted = next(guest.socket, 'lobby:admitted');
    const gone = next<{ participantId: string; reason: string }>(host.socket, 'lobby:left');
    await ok(host.socket, 'lobby:admit', { participantId: guest.id });
    await admitted;
    assert.deepEqual(await gone, { participantId: guest.id, reason: 'admitted' });
    const j = await ok<JoinResult>(guest.socket, 'meeting:join', {});
    assert.equal(j.talk.at(-1)?.text, 'secret plans', 'the history comes with the join');
  });

  test('knock then deny: the reason is shown, the door stays shut, and one may knock again', async () => {
    const m = await meeting({ waitingRoom: true });
    const host = await joined(m, 'Host', { moderator: true });
    const g = await visitor(m, 'Guest');
    await ok(g.socket, 'lobby:knock', {});
    const denied = next<{ reason: string | null }>(g.socket, 'lobby:denied');
    const gone = next<{ reason: string }>(host.socket, 'lobby:left');
    await ok(host.socket, 'lobby:deny', { participantId: g.id, reason: 'private meeting' });
    assert.deepEqual(await denied, { reason: 'private meeting' });
    assert.equal((await gone).reason, 'denied');
    await refused(g.socket, 'meeting:join', {}, 'WAITING_ROOM');
    await refused(host.socket, 'lobby:admit', { participantId: g.id }, 'PARTICIPANT_NOT_FOUND', 'no longer waiting');
    const again = next<Knocker>(host.socket, 'lobby:knocking');
    await ok(g.socket, 'lobby:knock', {});
    assert.equal((await again).id, g.id);
  });

  test('a knocker who cancels or goes away leaves the list', async () => {
    const m = await meeting({ waitingRoom: true });
    const host = await joined(m, 'Host', { moderator: true });
    const a = await visitor(m, 'Cancels');
    const b = await visitor(m, 'Closes tab');
    await ok(a.socket, 'lobby:knock', {});
    await ok(b.socket, 'lobby:knock', {});
    const left = record<{ participantId: string; reason: string }>(host.socket, 'lobby:left');
    await ok(a.socket, 'lobby:cancel', {});
    b.socket.close();
    await sleep(300);
    assert.deepEqual(left.map((x) => x.reason), ['cancelled', 'cancelled']);
    assert.deepEqual(live(m).door.listFor(host.id as never), []);
    await refused(a.socket, 'lobby:cancel', {}, 'NOT_JOINED', 'cancelling twice');
  });

  test('switching the waiting room off admits everyone waiting; admitAll too', async () => {
    const m = await meeting({ waitingRoom: true });
    const host = await joined(m, 'Host', { moderator: true });
    const ws = [await visitor(m, 'W1'), await visitor(m, 'W2')];
    for (const w of ws) await ok(w.socket, 'lobby:knock', {});
    const admitted = ws.map((w) => next(w.socket, 'lobby:admitted'));
    await ok(host.socket, 'moderation:settings', { waitingRoom: false });
    await Promise.all(admitted);
    for (const w of ws) await ok(w.socket, 'meeting:join', {});
    await ok(host.socket, 'moderation:settings', { waitingRoom: true });
    const more = [await visitor(m, 'W3'), await visitor(m, 'W4')];
    for (const w of more) await ok(w.socket, 'lobby:knock', {});
    assert.equal((await ok<{ admitted: number }>(host.socket, 'lobby:admitAll', {})).admitted, 2);
    for (const w of more) await ok(w.socket, 'meeting:join', {});
    assert.equal(live(m).size, 5);
  });

  test('people may wait in an empty meeting for its moderator', async () => {
    const m = await meeting({ waitingRoom: true });
    const g = await visitor(m, 'Punctual');
    await refused(g.socket, 'meeting:join', {}, 'WAITING_ROOM');
    await ok(g.socket, 'lobby:knock', {});
    await sleep(100);
    assert.ok(parley.meetings.live(m as MeetingId), 'the meeting stays open while someone waits');
    const host = await joined(m, 'Host', { moderator: true });
    assert.deepEqual(host.join.lobby.map((k) => k.name), ['Punctual']);
  });
});

describe('meeting password', () => {
  test('required, wrong, right; never shown; guessing is rate-limited per client', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod');
    const settings = next<MeetingSettings>(mod.socket, 'meeting:settings');
    await ok(mod.socket, 'moderation:setPassword', { password: 'correct horse' });
    const s = await settings;
    assert.equal(s.passwordSet, true);
    assert.ok(!JSON.stringify(s).includes('correct horse'));
    const g = await visitor(m, 'Guest');
    await refused(g.socket, 'meeting:join', {}, 'PASSWORD_REQUIRED');
    const wrong = await request(g.socket, 'meeting:join', { password: 'Correct horse' });
    assert.deepEqual(wrong, { ok: false, error: { code: 'WRONG_PASSWORD', message: 'wrong password' } });
    await ok(g.socket, 'meeting:join', { password: 'correct horse' });

    const guesser = await visitor(m, 'Guesser');
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await request(guesser.socket, 'meeting:join', { password: `guess ${i}` });
      codes.push(r.ok ? 'ok' : r.error.code);
    }
    // Five tries per client address (and per participant) in this meeting:
    // the guest above used two from this address, so three are left.
    assert.deepEqual(codes, ['WRONG_PASSWORD', 'WRONG_PASSWORD', 'WRONG_PASSWORD', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    await refused(guesser.socket, 'meeting:join', { password: 'correct horse' }, 'RATE_LIMITED', 'even the right one, until the bucket refills');

    await ok(mod.socket, 'moderation:setPassword', { password: null });
    const free = await visitor(m, 'Free');
    await ok(free.socket, 'meeting:join', {});
  });

  test('the right password skips the waiting room unless the moderator says otherwise', async () => {
    const m = await meeting({ waitingRoom: true });
    const host = await joined(m, 'Host', { moderator: true });
    await ok(host.socket, 'moderation:setPassword', { password: 'sesame' });
    const a = await visitor(m, 'Knows it');
    await refused(a.socket, 'meeting:join', {}, 'WAITING_ROOM', 'no password: knock');
    await refused(a.socket, 'meeting:join', { password: 'nope' }, 'WRONG_PASSWORD');
    await ok(a.socket, 'meeting:join', { password: 'sesame' });
    await ok(host.socket, 'moderation:settings', { passwordSkipsWaitingRoom: false });
    const b = await visitor(m, 'Also knows');
    await refused(b.socket, 'meeting:join', { password: 'sesame' }, 'WAITING_ROOM');
  });

  test('a knocker learns whether a password would let it in, so that a field is offered only then', async () => {
    const m = await meeting({ waitingRoom: true });
    const host = await joined(m, 'Host', { moderator: true });
    const knock = async (name: string) => {
      const v = await visitor(m, name);
      const res = await request(v.socket, 'lobby:knock', {});
      assert.ok(res.ok);
      return (res as unknown as { password: boolean }).password;
    };
    assert.equal(await knock('No password yet'), false, 'no password: nothing to type');
    await ok(host.socket, 'moderation:setPassword', { password: 'sesame' });
    assert.equal(await knock('Password opens'), true);
    await ok(host.socket, 'moderation:settings', { passwordSkipsWaitingRoom: false });
    assert.equal(await knock('Password waits too'), false, 'the password does not skip the wait: no field');
  });
});

describe('end-to-end encryption flag', () => {
  test('a participant says it encrypts; everyone sees it on its info, and it can say it stopped', async () => {
    const m = await meeting();
    const a = await joined(m, 'Ada');
    const b = await joined(m, 'Bo');
    const on = next<ParticipantInfo>(b.socket, 'meeting:participantUpdated', (p) => p.id === a.id && p.e2ee);
    await ok(a.socket, 'e2ee:set', { enabled: true });
    assert.equal((await on).e2ee, true);
    const off = next<ParticipantInfo>(b.socket, 'meeting:participantUpdated', (p) => p.id === a.id && !p.e2ee);
    await ok(a.socket, 'e2ee:set', { enabled: false });
    await off;
    const w = await visitor(m, 'Outside');
    await refused(w.socket, 'e2ee:set', { enabled: true }, 'NOT_JOINED');
  });
});

describe('ending and hands', () => {
  test('a moderator ends the meeting for everyone: participants and knockers hear who, all sockets are let go, the meeting is closed', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Host', { moderator: true });
    const p = await joined(m, 'Pia');
    await ok(mod.socket, 'moderation:settings', { waitingRoom: true });
    const w = await visitor(m, 'Wes');
    await ok(w.socket, 'lobby:knock', {});
    const heard = [next<{ reason: string; by: string }>(p.socket, 'meeting:ended'), next<{ reason: string; by: string }>(w.socket, 'meeting:ended')];
    const dropped = new Promise<string>((resolve) => p.socket.once('disconnect', resolve));
    await ok(mod.socket, 'moderation:endMeeting', {});
    for (const e of await Promise.all(heard)) assert.deepEqual(e, { reason: 'ended', by: 'Host' });
    assert.equal(await dropped, 'io server disconnect');
    assert.equal(parley.meetings.live(m as MeetingId), undefined);
    // The link stays good: the host opens the meeting again, empty (the door as it was left).
    const again = await joined(m, 'Later', { moderator: true });
    assert.deepEqual(again.join.snapshot.participants.map((x) => x.name), ['Later']);
  });

  test('a participant renames itself: everyone sees the new name; blank, hidden or oversized names are refused; a waiting socket cannot', async () => {
    const m = await meeting();
    await joined(m, 'Mod', { moderator: true });
    const a = await joined(m, 'Ann');
    const b = await joined(m, 'Ben');
    const seen = next<ParticipantInfo>(b.socket, 'meeting:participantUpdated', (x) => x.id === a.id && x.name === 'Ann Lee');
    assert.deepEqual(await ok(a.socket, 'meeting:rename', { name: '  Ann\t Lee \n' }), { ok: true, name: 'Ann Lee' });
    await seen;
    for (const name of ['', '   ', '\u200b\u200b', 'x'.repeat(65), 'Ann\u0000']) {
      await refused(a.socket, 'meeting:rename', { name }, 'INVALID_PAYLOAD', JSON.stringify(name));
    }
    await refused(a.socket, 'meeting:rename', { name: 'Ann', id: b.id }, 'INVALID_PAYLOAD', 'another one’s id');
    assert.equal(live(m).participant(a.id as never).name, 'Ann Lee');
    assert.equal(live(m).participant(b.id as never).name, 'Ben');
  });

  test('a moderator lowers a raised hand; everyone sees it down; a participant cannot lower another one', async () => {
    const m = await meeting();
    const mod = await joined(m, 'Mod', { moderator: true });
    const a = await joined(m, 'Ann');
    const b = await joined(m, 'Ben');
    await ok(a.socket, 'hand:set', { raised: true });
    await ok(b.socket, 'hand:set', { raised: true });
    await refused(b.socket, 'moderation:lowerHand', { participantId: a.id }, 'NOT_MODERATOR');
    assert.notEqual(live(m).participant(a.id as never).info().handRaisedAt, null);
    const down = next<ParticipantInfo>(b.socket, 'meeting:participantUpdated', (x) => x.id === a.id && x.handRaisedAt === null);
    await ok(mod.socket, 'moderation:lowerHand', { participantId: a.id });
    await down;
    await ok(mod.socket, 'moderation:lowerHand', { participantId: a.id });
    await refused(mod.socket, 'moderation:lowerHand', { participantId: 'nobody' }, 'PARTICIPANT_NOT_FOUND');
    assert.notEqual(live(m).participant(b.id as never).info().handRaisedAt, null);
  });
});

describe('forgery', () => {
  const moderatorActions = (target: string): [string, object][] => [
    ['lobby:admit', { participantId: target }],
    ['lobby:admitAll', {}],
    ['lobby:deny', { participantId: target }],
    ['moderation:grant', { participantId: target }],
    ['moderation:renounce', {}],
    ['moderation:kick', { participantId: target }],
    ['moderation:mute', { participantId: target, kind: 'audio' }],
    ['moderation:muteAll', { kind: 'video' }],
    ['moderation:allow', { participantId: target, kind: 'audio', allowed: true }],
    ['moderation:askToUnmute', { participantId: target, kind: 'audio' }],
    ['moderation:settings', { waitingRoom: false, audioModeration: true }],
    ['moderation:setPassword', { password: 'mine now' }],
    ['moderation:lowerHand', { participantId: target }],
    ['moderation:endMeeting', {}],
    ['moderation:pushLayout', {}],
  ];

  test('a participant tries every moderator action: NOT_MODERATOR, and nothing changes', async () => {
    const m = await meeting({ waitingRoom: true });
    const mod = await joined(m, 'Mod', { moderator: true });
    await withMedia(mod, ['mic']);
    const w = await visitor(m, 'Waiting');
    await ok(w.socket, 'lobby:knock', {});
    const p = await visitor(m, 'Plain');
    await ok(p.socket, 'lobby:knock', {});
    await ok(mod.socket, 'lobby:admit', { participantId: p.id });
    const pj = await ok<JoinResult>(p.socket, 'meeting:join', {});
    const settingsBefore = live(m).settings;
    for (const [event, payload] of moderatorActions(mod.id)) await refused(p.socket, event, payload, 'NOT_MODERATOR', event);
    for (const [event, payload] of moderatorActions(w.id)) await refused(p.socket, event, payload, 'NOT_MODERATOR', `${event} on the knocker`);
    assert.equal(pj.self.role, 'participant');
    assert.equal(role(m, p.id), 'participant');
    assert.equal(role(m, mod.id), 'moderator');
    assert.deepEqual(live(m).settings, settingsBefore);
    assert.equal(producerPaused(m, mod.id, 'mic'), false);
    assert.deepEqual(live(m).door.listFor(mod.id as never).map((k) => k.id), [w.id]);
  });

  test('a waiting socket tries every participant and moderator action: NOT_JOINED', async () => {
    const m = await meeting({ waitingRoom: true });
    const mod = await joined(m, 'Mod', { moderator: true });
    const w = await visitor(m, 'Waiting');
    await ok(w.socket, 'lobby:knock', {});
    const actions: [string, object][] = [
      ['talk:send', { text: 'hi' }],
      ['reaction:send', { emoji: '👍' }],
      ['hand:set', { raised: true }],
      ['meeting:rename', { name: 'Sneaky' }],
      ['meeting:leave', {}],
      ['media:setup', { rtpCapabilities: {} }],
      ['media:consume', { producerId: 'p' }],
      ...moderatorActions(w.id),
    ];
    for (const [event, payload] of actions) await refused(w.socket, event, payload, 'NOT_JOINED', event);
    assert.equal(live(m).size, 1);
    assert.deepEqual(live(m).door.listFor(mod.id as never).map((k) => k.id), [w.id], 'it did not admit itself');
  });

  test('a moderator of one meeting is nobody in another; targets from another meeting are not found', async () => {
    const m1 = await meeting();
    const m2 = await meeting();
    const mod1 = await joined(m1, 'Mod one');
    const mod2 = await joined(m2, 'Mod two');
    const p2 = await joined(m2, 'Two');
    await refused(mod1.socket, 'moderation:kick', { participantId: p2.id }, 'PARTICIPANT_NOT_FOUND');
    await refused(mod1.socket, 'moderation:mute', { participantId: p2.id, kind: 'audio' }, 'PARTICIPANT_NOT_FOUND');
    await refused(mod1.socket, 'moderation:grant', { participantId: p2.id }, 'PARTICIPANT_NOT_FOUND');
    assert.equal(live(m2).size, 2);
    assert.equal(role(m2, mod2.id), 'moderator');
    // A token carries its own identity: a second socket claiming the moderator's
    // participant id with a token of its own is a different participant.
    const forged = await visitor(m2, 'Mod two');
    await refused(forged.socket, 'moderation:kick', { participantId: p2.id }, 'NOT_JOINED');
  });
});

describe('the waiting room cannot be filled from one place', () => {
  // Addresses come from X-Forwarded-For here: the test's loopback is the trusted proxy.
  let proxied: Parley;
  const mine: ClientSocket[] = [];
  beforeAll(async () => {
    proxied = await startServer({ config: { trustProxy: ['127.0.0.1', '::1'] } });
  });
  afterAll(async () => {
    closeAll(...mine);
    await proxied.close();
  });
  const knocker = async (meetingId: string, name: string, address: string) => {
    const { token } = mintToken(meetingId, name);
    const socket = await connect(proxied.url, token, { extraHeaders: { 'x-forwarded-for': address } });
    mine.push(socket);
    return request(socket, 'lobby:knock', {});
  };

  test('one network gets 10 people in line; the 11th is told why; other networks still knock; a full room says it is the waiting room that is full', async () => {
    const m = (await proxied.meetings.create('Town hall', { waitingRoom: true })).record.id;
    const host = await joinAs(proxied, m, 'Host', { moderator: true });
    mine.push(host.socket);
    const waiting = () => proxied.meetings.live(m as MeetingId)!.door.listFor(host.id as never).length;
    for (let i = 0; i < 10; i++) assert.ok((await knocker(m, `Bot ${i}`, '203.0.113.5')).ok, `knock ${i}`);
    const eleventh = await knocker(m, 'Bot 10', '203.0.113.5');
    assert.equal(!eleventh.ok && eleventh.error.code, 'LOBBY_FULL');
    assert.match(!eleventh.ok ? eleventh.error.message : '', /10 people from your network are already waiting/);
    // An IPv6 subscriber has a whole /64: it counts as one network.
    for (let i = 0; i < 10; i++) assert.ok((await knocker(m, `Six ${i}`, `2001:db8:1:2::${(i + 1).toString(16)}`)).ok);
    const other64 = await knocker(m, 'Six 10', '2001:db8:1:2:ffff::1');
    assert.equal(!other64.ok && other64.error.code, 'LOBBY_FULL');
    // A real guest elsewhere is not turned away.
    assert.ok((await knocker(m, 'Real guest', '198.51.100.7')).ok);
    assert.equal(waiting(), 21);
    // Up to the room's own limit (200), from many networks; then the waiting room, not the meeting, is full.
    for (let n = 0; n < 18; n++) {
      const results = await Promise.all(Array.from({ length: n === 17 ? 9 : 10 }, (_, i) => knocker(m, `Guest ${n}-${i}`, `192.0.2.${n + 1}`)));
      for (const r of results) assert.ok(r.ok);
    }
    assert.equal(waiting(), 200);
    const late = await knocker(m, 'Late', '198.51.100.99');
    assert.equal(!late.ok && late.error.code, 'LOBBY_FULL');
    assert.match(!late.ok ? late.error.message : '', /The waiting room is full \(200 people are waiting\)/);
  });
});

describe('a page that reloads', () => {
  const WINDOW_MS = 1500;
  let quick: Parley;
  const mine: ClientSocket[] = [];
  beforeAll(async () => {
    quick = await startServer({ meeting: { resumeWindowMs: WINDOW_MS } });
  });
  afterAll(async () => {
    closeAll(...mine);
    await quick.close();
  });
  /** Joins with a given token (as a reloaded page does with its stored one). */
  const rejoin = async (token: string) => {
    const socket = await connect(quick.url, token);
    mine.push(socket);
    return { socket, join: await ok<JoinResult>(socket, 'meeting:join', {}) };
  };

  test('the last moderator reloads: nobody is promoted, it comes back as moderator, and no one else stays one', async () => {
    const m = (await quick.meetings.create('Reloads')).record.id;
    // Moderator by being first in, not by a link: only the meeting remembers it.
    const first = mintToken(m, 'Mia');
    const mia = await rejoin(first.token);
    assert.equal(mia.join.self.role, 'moderator');
    await ok(mia.socket, 'moderation:settings', { waitingRoom: true });
    const admitted = mintToken(m, 'Ben');
    const benSocket = await connect(quick.url, admitted.token);
    mine.push(benSocket);
    const knocked = next<Knocker>(mia.socket, 'lobby:knocking');
    await ok(benSocket, 'lobby:knock', {});
    await knocked;
    const let_in = next(benSocket, 'lobby:admitted');
    await ok(mia.socket, 'lobby:admit', { participantId: admitted.participantId });
    await let_in;
    await ok<JoinResult>(benSocket, 'meeting:join', {});
    const promoted: string[] = [];
    benSocket.on('moderation:promoted', () => promoted.push('promoted'));
    // The page goes away (pagehide) and comes back with its stored token.
    const gone = next<{ participantId: string }>(benSocket, 'meeting:participantLeft');
    await ok(mia.socket, 'meeting:leave', { unload: true });
    mia.socket.close();
    assert.equal((await gone).participantId, first.participantId, 'the others see her go at once');
    const back = await rejoin(first.token);
    assert.equal(back.join.self.role, 'moderator', 'back as moderator, without knocking');
    await sleep(WINDOW_MS + 300);
    assert.deepEqual(promoted, [], 'nobody was promoted meanwhile or after');
    assert.equal(quick.meetings.live(m as MeetingId)!.participant(admitted.participantId as never).role, 'participant');
  });

  test('a name changed in the meeting survives a reload (the token still carries the old one)', async () => {
    const m = (await quick.meetings.create('Renamed')).record.id;
    const first = mintToken(m, 'Typo Nmae');
    let me = await rejoin(first.token);
    await rejoin(mintToken(m, 'Other').token);
    await ok(me.socket, 'meeting:rename', { name: 'Typo Name' });
    await ok(me.socket, 'meeting:leave', { unload: true });
    me.socket.close();
    me = await rejoin(first.token);
    assert.equal(me.join.self.name, 'Typo Name');
  });

  test('a moderator who reloads twice in a row gets a whole window after the second time', async () => {
    const m = (await quick.meetings.create('Twice')).record.id;
    const first = mintToken(m, 'Mo');
    let mo = await rejoin(first.token);
    const other = await rejoin(mintToken(m, 'Ola').token);
    const promoted: string[] = [];
    other.socket.on('moderation:promoted', () => promoted.push('promoted'));
    await ok(mo.socket, 'meeting:leave', { unload: true });
    mo.socket.close();
    mo = await rejoin(first.token);
    await sleep(WINDOW_MS * 0.6);
    await ok(mo.socket, 'meeting:leave', { unload: true });
    mo.socket.close();
    // Past the first window's end, before the second's: nobody is promoted meanwhile.
    await sleep(WINDOW_MS * 0.6);
    assert.deepEqual(promoted, []);
    mo = await rejoin(first.token);
    assert.equal(mo.join.self.role, 'moderator');
    await sleep(WINDOW_MS);
    assert.deepEqual(promoted, []);
  });

  test('the last moderator closes the page: after the resume window the longest present takes over and everyone is told', async () => {
    const m = (await quick.meetings.create('Closes')).record.id;
    const mod = await rejoin(mintToken(m, 'Mod').token);
    const cy = await rejoin(mintToken(m, 'Cy').token);
    const dee = await rejoin(mintToken(m, 'Dee').token);
    await ok(mod.socket, 'meeting:leave', { unload: true });
    mod.socket.close();
    const left = Date.now();
    const promoted = next<{ reason: string }>(cy.socket, 'moderation:promoted');
    const told = next<ParticipantInfo>(dee.socket, 'meeting:participantUpdated', (p) => p.id === cy.join.self.id && p.role === 'moderator');
    assert.equal((await promoted).reason, 'last-moderator-left');
    await told;
    assert.ok(Date.now() - left >= WINDOW_MS - 50, 'not before the window');
  });

  test('a participant who reloads in a meeting with a waiting room comes back without knocking; a new token still knocks', async () => {
    const m = (await quick.meetings.create('Door', { waitingRoom: true })).record.id;
    const host = await joinAs(quick, m, 'Host', { moderator: true });
    mine.push(host.socket);
    const guest = mintToken(m, 'Guest');
    const g = await connect(quick.url, guest.token);
    mine.push(g);
    await ok(g, 'lobby:knock', {});
    const admitted = next(g, 'lobby:admitted');
    await ok(host.socket, 'lobby:admit', { participantId: guest.participantId });
    await admitted;
    await ok(g, 'meeting:join', {});
    await ok(g, 'meeting:leave', { unload: true });
    g.close();
    const back = await rejoin(guest.token);
    assert.equal(back.join.self.role, 'participant');
    // The plain Leave button: coming back means knocking again.
    await ok(back.socket, 'meeting:leave', {});
    const again = await connect(quick.url, guest.token);
    mine.push(again);
    await refused(again, 'meeting:join', {}, 'WAITING_ROOM');
  });
});
