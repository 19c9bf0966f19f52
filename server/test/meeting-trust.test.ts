// Who may do what with a meeting once its first people are gone: the door
// as moderators left it (waiting room, password) holds for the next people
// and across a restart; past recordings are listed to moderators by right
// (the moderator link, the owner's account) and not to whoever finds the
// meeting empty; a moderator link can be replaced, and the old one stops
// working at once.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, test } from 'vitest';
import type { JoinMeetingReply, MeetingId, NewModeratorTokenReply } from '@parley/protocol';
import type { Parley } from '../src/index.ts';
import { TokenSigner } from '../src/auth/tokens.ts';
import { closeAll, connect, createMeeting, http, ok, refused, request, sleep, startServer, type ClientSocket } from './helpers.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-trust-'));
const sockets: ClientSocket[] = [];
afterAll(() => {
  closeAll(...sockets);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const join = (base: string, id: string, name: string, moderatorToken?: string) =>
  http<JoinMeetingReply>(base, 'POST', `/api/meetings/${id}/join`, { name, ...(moderatorToken ? { moderatorToken } : {}) });

async function enter(base: string, id: string, name: string, moderatorToken?: string, payload: object = {}): Promise<{ socket: ClientSocket; token: string; participantId: string }> {
  const res = await join(base, id, name, moderatorToken);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const socket = await connect(base, res.body.token);
  sockets.push(socket);
  await ok(socket, 'meeting:join', payload);
  return { socket, token: res.body.token, participantId: res.body.participantId };
}

/** Waits until nobody is left in the meeting on this node (its record stays). */
async function emptied(parley: Parley, id: string): Promise<void> {
  for (let i = 0; i < 100 && parley.meetings.live(id as MeetingId); i++) await sleep(20);
  assert.equal(parley.meetings.live(id as MeetingId), undefined, 'the meeting closed once empty');
}

/** A socket that asks to join and reports the refusal's code (or 'ok'). */
async function tryJoin(base: string, id: string, name: string, payload: object = {}): Promise<string> {
  const res = await join(base, id, name);
  const socket = await connect(base, res.body.token);
  sockets.push(socket);
  const ack = await request(socket, 'meeting:join', payload);
  // In, then out for good (a dropped socket would keep its place for the resume window).
  if (ack.ok) await ok(socket, 'meeting:leave', {});
  socket.close();
  return ack.ok ? 'ok' : ack.error!.code;
}

describe('the door holds after everyone left', () => {
  for (const redis of [false, true]) {
    test(`waiting room and password set in a meeting stay for the next people${redis ? ', and across a restart (Redis)' : ' (one node, memory)'}`, async () => {
      const config = { drive: { kind: 'local' as const, dir: path.join(tmp, `door-${redis}`) } };
      let parley = await startServer({ redis, config });
      try {
        const m = await createMeeting(parley.url, 'Locked');
        const host = await enter(parley.url, m.id, 'Host', m.moderatorToken);
        await ok(host.socket, 'moderation:settings', { waitingRoom: true, passwordSkipsWaitingRoom: true, startMuted: true });
        await ok(host.socket, 'moderation:setPassword', { password: 'open sesame' });
        await ok(host.socket, 'meeting:leave', {});
        await emptied(parley, m.id);
        if (redis) {
          // The server restarts; its memory is gone, the record (and its settings) are in Redis.
          await parley.close();
          parley = await startServer({ redis, config });
        }
        // The next person with the plain link does not walk in: they knock, or give the password.
        assert.equal(await tryJoin(parley.url, m.id, 'Walker'), 'WAITING_ROOM');
        assert.equal(await tryJoin(parley.url, m.id, 'Guesser', { password: 'wrong' }), 'WRONG_PASSWORD');
        assert.equal(await tryJoin(parley.url, m.id, 'Friend', { password: 'open sesame' }), 'ok');
        await emptied(parley, m.id);
        const back = await enter(parley.url, m.id, 'Host again', m.moderatorToken);
        const settings = parley.meetings.live(m.id as MeetingId)!.settings;
        assert.deepEqual(
          { waitingRoom: settings.waitingRoom, passwordSet: settings.passwordSet, startMuted: settings.startMuted },
          { waitingRoom: true, passwordSet: true, startMuted: true },
        );
        // Taken off again, it stays off.
        await ok(back.socket, 'moderation:settings', { waitingRoom: false });
        await ok(back.socket, 'moderation:setPassword', { password: null });
        await ok(back.socket, 'meeting:leave', {});
        await emptied(parley, m.id);
        assert.equal(await tryJoin(parley.url, m.id, 'Walker'), 'ok');
      } finally {
        await parley.close();
      }
    });
  }
});

describe('past recordings', () => {
  test('listed to moderators by the link or the owner account; whoever finds the meeting empty sees only what they recorded', async () => {
    const parley = await startServer({ config: { drive: { kind: 'local', dir: path.join(tmp, 'recordings') } } });
    try {
      const m = await createMeeting(parley.url, 'Recorded');
      // Two recordings made earlier (what the recorder writes).
      for (const id of ['rec-one', 'rec-two']) {
        await parley.drive.put(`meetings/${m.id}/recordings/${id}/recording.json`, JSON.stringify({ id, meetingId: m.id, startedAt: Date.now(), seconds: 10, bytes: 1000, file: 'recording.mp4', error: null }));
        await parley.drive.put(`meetings/${m.id}/recordings/${id}/recording.mp4`, crypto.randomBytes(1000));
      }
      const list = (token: string) =>
        fetch(`${parley.url}/api/meetings/${m.id}/recordings`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: (await r.json()) as { recordings?: { id: string }[]; error?: { code: string } } }));
      // The first to come with the plain link is moderator (the meeting was empty)...
      const walker = await enter(parley.url, m.id, 'Walker');
      assert.equal(parley.meetings.live(m.id as MeetingId)!.participant(walker.participantId as never).role, 'moderator');
      // ...but the past recordings are not theirs to list.
      const seen = await list(walker.token);
      assert.equal(seen.status, 200);
      assert.deepEqual(seen.body.recordings, []);
      // What they record themselves, they see.
      await parley.drive.put(`meetings/${m.id}/recordings/rec-mine/recording.json`, JSON.stringify({ id: 'rec-mine', meetingId: m.id, startedAt: Date.now(), seconds: 5, bytes: 500, file: 'recording.mp4', error: null }));
      await parley.drive.put(`meetings/${m.id}/recordings/rec-mine/started.json`, JSON.stringify({ participantId: walker.participantId }));
      assert.deepEqual((await list(walker.token)).body.recordings!.map((r) => r.id), ['rec-mine']);
      // The holder of the moderator link sees them all, in the meeting or not.
      const host = await join(parley.url, m.id, 'Host', m.moderatorToken);
      assert.deepEqual((await list(host.body.token)).body.recordings!.map((r) => r.id).sort(), ['rec-mine', 'rec-one', 'rec-two']);
      // Once gone, the walker lists nothing at all.
      await ok(walker.socket, 'meeting:leave', {});
      assert.equal((await list(walker.token)).body.error?.code, 'NOT_MODERATOR');
    } finally {
      await parley.close();
    }
  });
});

describe('a new moderator link', () => {
  test('replaces the old one: old links and tokens issued by them no longer make moderators; only moderators by right may ask', async () => {
    const parley = await startServer({ config: { drive: { kind: 'local', dir: path.join(tmp, 'rotate') } } });
    const signer = new TokenSigner('test-secret');
    try {
      const m = await createMeeting(parley.url, 'Rotated');
      const host = await enter(parley.url, m.id, 'Host', m.moderatorToken);
      // A token issued by the old link, not used yet (a second tab, a colleague who got the link).
      const spare = await join(parley.url, m.id, 'Spare', m.moderatorToken);
      assert.equal(signer.verify(spare.body.token)?.moderator, true);
      const walker = await enter(parley.url, m.id, 'Walker');
      await ok(host.socket, 'moderation:grant', { participantId: walker.participantId });
      const rotate = (token: string) => http<NewModeratorTokenReply & { error?: { code: string } }>(parley.url, 'POST', `/api/meetings/${m.id}/moderator-token`, undefined, false, { authorization: `Bearer ${token}` });
      // A moderator made in the meeting cannot take the link over.
      const byWalker = await rotate(walker.token);
      assert.equal(byWalker.status, 403);
      assert.equal(byWalker.body.error?.code, 'NOT_MODERATOR');
      assert.equal((await rotate('not.a.token')).status, 401);
      const fresh = await rotate(host.token);
      assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      assert.ok(fresh.body.url.endsWith(`/m/${m.id}?moderatorToken=${encodeURIComponent(fresh.body.moderatorToken)}`));
      assert.notEqual(fresh.body.moderatorToken, m.moderatorToken);
      // The old link is refused; the new one works.
      const old = await join(parley.url, m.id, 'Old', m.moderatorToken);
      assert.equal(old.status, 403);
      assert.equal(signer.verify((await join(parley.url, m.id, 'New', fresh.body.moderatorToken)).body.token)?.moderator, true);
      // The spare token from the old link joins as a participant.
      const spareSocket = await connect(parley.url, spare.body.token);
      sockets.push(spareSocket);
      const joined = await ok<{ self: { role: string } }>(spareSocket, 'meeting:join', {});
      assert.equal(joined.self.role, 'participant');
      // The host's own token came back under the new link: it may list recordings and rotate again.
      assert.equal((await rotate(fresh.body.token)).status, 200);
      await refused(spareSocket, 'moderation:settings', { waitingRoom: true }, 'NOT_MODERATOR');
    } finally {
      await parley.close();
    }
  });
});
