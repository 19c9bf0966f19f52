import { test } from 'vitest';
import assert from 'node:assert/strict';
import { connect, createMeeting, joinToken, ok, request, startServer, next } from './helpers.ts';

test('two participants join, chat and see each other', async (t) => {
  const parley = await startServer({ sfu: { workers: 2, maxPeersPerRouter: 1 } });
  t.onTestFinished(() => parley.close());
  const m = await createMeeting(parley.url, 'Smoke');
  const a = await joinToken(parley.url, m.id, 'Alice');
  const b = await joinToken(parley.url, m.id, 'Bob');
  const sa = await connect(parley.url, a.token);
  const sb = await connect(parley.url, b.token);
  t.onTestFinished(() => { sa.close(); sb.close(); });
  const ja = await ok<{ self: { role: string } }>(sa, 'meeting:join', {});
  assert.equal(ja.self.role, 'moderator');
  const joined = next(sa, 'meeting:participantJoined');
  const jb = await ok<{ self: { role: string }; snapshot: { participants: unknown[] } }>(sb, 'meeting:join', {});
  assert.equal(jb.self.role, 'participant');
  assert.equal(jb.snapshot.participants.length, 2);
  await joined;
  const got = next<{ text: string }>(sb, 'talk:message');
  await ok(sa, 'talk:send', { text: 'hello' });
  assert.equal((await got).text, 'hello');
  const bad = await request(sa, 'talk:send', { text: 5 });
  assert.equal(bad.ok, false);
  // media setup on two routers (maxPeersPerRouter: 1)
  const caps = (jb as unknown as { routerRtpCapabilities: object }).routerRtpCapabilities;
  await ok(sa, 'media:setup', { rtpCapabilities: caps });
  await ok(sb, 'media:setup', { rtpCapabilities: caps });
  assert.equal(parley.meetings.mediaRoom(parley.meetings.live(m.id as never)!)?.routerCount, 2);
});
