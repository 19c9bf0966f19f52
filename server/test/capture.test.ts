// Recording and live streaming at the protocol level: who may start, stop and
// list them; what the recorder namespace accepts; what bad input gets. No
// recorder process runs here (the browser tests run real ones): jobs are
// read straight from the BullMQ queue on the real redis-server.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { RecorderPayloads, type CaptureInfo, type CaptureState, type DrawingState, type RecorderJob, type RecorderView } from '@parley/protocol';
import { spoiltPayloads } from '../../protocol/test/payload-examples.ts';
import { connectRedis, type Parley } from '../src/index.ts';
import { closeAll, connect, http, joinAs, mintToken, next, ok, refused, request, startServer, type ClientSocket, type Joined } from './helpers.ts';

const tmp = fs.mkdtempSync(path.join(process.env.PARLEY_TEST_TMP ?? os.tmpdir(), 'parley-capture-'));
const queueName = `test-capture-unit-${path.basename(tmp)}`;
let parley: Parley;
let queue: Queue<RecorderJob>;
let redis: ReturnType<typeof connectRedis>;
const opened: { close(): unknown }[] = [];

beforeAll(async () => {
  parley = await startServer({
    redis: true,
    config: {
      drive: { kind: 'local', dir: path.join(tmp, 'drive') },
      capture: { streamMaxSeconds: 3600, recordingMaxSeconds: 3600, serverUrl: undefined, queueName, streaming: true },
    },
  });
  redis = connectRedis(process.env.PARLEY_TEST_REDIS_URL!, 'test', { bullmq: true });
  queue = new Queue<RecorderJob>(queueName, { connection: redis });
});
afterAll(async () => {
  closeAll(...(opened as ClientSocket[]));
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  redis.disconnect();
  await parley.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function meetingWithModerator(): Promise<{ id: string; mod: Joined; guest: Joined }> {
  const { record } = await parley.meetings.create('Captured');
  const mod = await joinAs(parley, record.id, 'Mona', { moderator: true });
  const guest = await joinAs(parley, record.id, 'Gus');
  opened.push(mod.socket, guest.socket);
  return { id: record.id, mod, guest };
}

type RecorderSocket = Socket;

/** Takes the capture's job off the queue as a recorder would, and connects with its token. */
async function takeJob(captureId: string): Promise<RecorderSocket> {
  const job = (await queue.getJob(captureId))!;
  await queue.remove(captureId).catch(() => undefined);
  return recorderSocket(job.data.token);
}
function recorderSocket(token: unknown): Promise<RecorderSocket> {
  return new Promise((resolve, reject) => {
    const s = connectSocket(`${parley.url}/recorder`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      s.close();
      reject(Object.assign(err, { data: (err as Error & { data?: unknown }).data }));
    });
    opened.push(s);
  });
}

describe('starting and stopping', () => {
  test('a participant who is not a moderator can neither start nor stop; the moderator can, once at a time', async () => {
    const { mod, guest } = await meetingWithModerator();
    await refused(guest.socket, 'capture:start', { kind: 'record' }, 'NOT_MODERATOR');
    await refused(guest.socket, 'capture:start', { kind: 'stream' }, 'NOT_MODERATOR');
    const seen = next<CaptureState>(guest.socket, 'capture:state', (s) => s.recording !== null);
    const { capture } = await ok<{ capture: CaptureInfo }>(mod.socket, 'capture:start', { kind: 'record' });
    assert.equal(capture.kind, 'record');
    assert.equal(capture.state, 'starting');
    assert.equal(capture.by, 'Mona');
    assert.equal((await seen).recording?.id, capture.id);
    await refused(mod.socket, 'capture:start', { kind: 'record' }, 'CAPTURE_ACTIVE');
    await refused(guest.socket, 'capture:stop', { kind: 'record' }, 'NOT_MODERATOR');
    // The job is on the queue, with a recorder token (never a participant token).
    const job = await queue.getJob(capture.id);
    assert.equal(job?.data.kind, 'record');
    assert.ok(job?.data.token && job.data.token !== mod.token);
    // Stopped before any recorder took it: the job is taken back and the state clears.
    const cleared = next<CaptureState>(guest.socket, 'capture:state', (s) => s.recording === null);
    await ok(mod.socket, 'capture:stop', { kind: 'record' });
    await cleared;
    assert.equal(await queue.getJob(capture.id), undefined);
    await refused(mod.socket, 'capture:stop', { kind: 'record' }, 'CAPTURE_NOT_FOUND');
  });

  test('a late joiner learns a stream is live; its viewer link is unguessable and answers "waiting" then "ended"', async () => {
    const { id, mod } = await meetingWithModerator();
    const { capture } = await ok<{ capture: CaptureInfo }>(mod.socket, 'capture:start', { kind: 'stream' });
    assert.match(capture.viewerUrl ?? '', /\/live\/[a-z2-7]{26}$/);
    assert.ok(capture.endsAt && capture.endsAt - Date.now() > 3500_000);
    const late = await joinAs(parley, id, 'Late');
    opened.push(late.socket);
    assert.equal(late.join.capture.stream?.id, capture.id);
    const liveId = capture.viewerUrl!.split('/').pop()!;
    const waiting = await http<{ state: string; playlistUrl: string | null }>(parley.url, 'GET', `/api/live/${liveId}`);
    assert.equal(waiting.status, 200);
    assert.equal(waiting.body.state, 'waiting');
    assert.equal(waiting.body.playlistUrl, null);
    await ok(mod.socket, 'capture:stop', { kind: 'stream' });
    await waitUntil(async () => (await http<{ state: string }>(parley.url, 'GET', `/api/live/${liveId}`)).body.state === 'ended');
  });

  test('without Redis there is no recorder to ask: CAPTURE_UNAVAILABLE', async () => {
    const alone = await startServer({ config: { drive: { kind: 'local', dir: path.join(tmp, 'alone') } } });
    try {
      const { record } = await alone.meetings.create('No redis');
      const mod = await joinAs(alone, record.id, 'Mona', { moderator: true });
      await refused(mod.socket, 'capture:start', { kind: 'record' }, 'CAPTURE_UNAVAILABLE');
      mod.socket.close();
    } finally {
      await alone.close();
    }
  });

  test('malformed and oversized requests get INVALID_PAYLOAD and change nothing', async () => {
    const { id, mod } = await meetingWithModerator();
    for (const bad of [undefined, null, {}, { kind: 'video' }, { kind: 'record', extra: 1 }, { kind: 'x'.repeat(100_000) }, 'record', [{ kind: 'record' }]]) {
      await refused(mod.socket, 'capture:start', bad, 'INVALID_PAYLOAD', `capture:start ${JSON.stringify(bad)?.slice(0, 40)}`);
      await refused(mod.socket, 'capture:stop', bad, 'INVALID_PAYLOAD', `capture:stop ${JSON.stringify(bad)?.slice(0, 40)}`);
    }
    assert.deepEqual(parley.captures.state(id as never), { recording: null, stream: null, streamAllowed: true });
    // Out of order: not joined yet.
    const { token } = mintToken(id, 'Early', { moderator: true });
    const early = await connect(parley.url, token);
    opened.push(early);
    await refused(early, 'capture:start', { kind: 'record' }, 'NOT_JOINED');
  });
});

describe('the recordings list', () => {
  test('moderators only: no token 401, another meeting 401, a participant 403, a moderator 200', async () => {
    const { id, mod, guest } = await meetingWithModerator();
    const list = (token?: string) =>
      fetch(`${parley.url}/api/meetings/${id}/recordings`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (r) => ({ status: r.status, body: (await r.json()) as { recordings?: unknown[]; error?: { code: string } } }));
    assert.equal((await list()).status, 401);
    assert.equal((await list('forged.token')).status, 401);
    const other = mintToken('someothermeeting', 'Eve', { moderator: true });
    assert.equal((await list(other.token)).status, 401);
    const asGuest = await list(guest.token);
    assert.equal(asGuest.status, 403);
    assert.equal(asGuest.body.error?.code, 'NOT_MODERATOR');
    const asMod = await list(mod.token);
    assert.equal(asMod.status, 200);
    assert.deepEqual(asMod.body.recordings, []);
    // A participant made moderator during the meeting may list too.
    await ok(mod.socket, 'moderation:grant', { participantId: guest.id });
    assert.equal((await list(guest.token)).status, 200);
  });
});

describe('the recorder namespace', () => {
  test('a participant token is refused there, and a recorder token on the participants namespace', async () => {
    const { mod } = await meetingWithModerator();
    await assert.rejects(recorderSocket(mod.token), (e: Error & { data?: { code: string } }) => e.data?.code === 'UNAUTHORIZED');
    await assert.rejects(recorderSocket(undefined), (e: Error & { data?: { code: string } }) => e.data?.code === 'UNAUTHORIZED');
    const { capture } = await ok<{ capture: CaptureInfo }>(mod.socket, 'capture:start', { kind: 'record' });
    const job = (await queue.getJob(capture.id))!;
    await assert.rejects(connect(parley.url, job.data.token), (e: Error & { data?: { code: string } }) => e.data?.code === 'UNAUTHORIZED');
    await ok(mod.socket, 'capture:stop', { kind: 'record' });
  });

  test('a recorder attaches, sees the main room, consumes only its producers, and its bad requests are refused', async () => {
    const { mod, guest } = await meetingWithModerator();
    const { capture } = await ok<{ capture: CaptureInfo }>(mod.socket, 'capture:start', { kind: 'record' });
    // Taken as a recorder would take it: then a stop must reach the recorder, not the queue.
    const rec = await takeJob(capture.id);
    const attached = await ok<{ job: RecorderJob; view: RecorderView; stopping: boolean }>(rec as never, 'recorder:attach', {});
    assert.equal(attached.stopping, false);
    assert.deepEqual(attached.view.participants.map((p) => p.name).sort(), ['Gus', 'Mona']);
    const view = next<RecorderView>(rec as never, 'recorder:view', (v) => v.participants.some((p) => p.name === 'Late'));
    const late = await joinAs(parley, mod.join.snapshot.id, 'Late');
    opened.push(late.socket);
    await view;

    const good = { producerId: 'nope', ip: '127.0.0.1', port: 40000, rtcpPort: 40001 };
    await refused(rec as never, 'recorder:consume', good, 'CONSUMER_NOT_FOUND', 'an unknown producer');
    for (const bad of [{ ...good, ip: 'evil.example' }, { ...good, port: 80 }, { ...good, port: 70000 }, { ...good, producerId: '../x' }, { ...good, extra: true }, null]) {
      await refused(rec as never, 'recorder:consume', bad, 'INVALID_PAYLOAD', `consume ${JSON.stringify(bad)}`);
    }
    await refused(rec as never, 'recorder:progress', { state: 'live', seconds: -1, bytes: 0, segments: 0, pending: 0, mediaStartedAt: null }, 'INVALID_PAYLOAD');
    await refused(rec as never, 'meeting:join', {}, 'UNKNOWN_EVENT');
    await refused(rec as never, 'recorder:keyframe', { consumerId: 'nope' }, 'CONSUMER_NOT_FOUND');

    // Progress reaches everyone in the meeting.
    const progressed = next<CaptureState>(guest.socket, 'capture:state', (s) => s.recording?.state === 'live');
    await ok(rec as never, 'recorder:progress', { state: 'live', seconds: 4, bytes: 1000, segments: 2, pending: 1, mediaStartedAt: Date.now() - 4000 });
    const p = (await progressed).recording!;
    assert.equal(p.pending, 1);
    assert.equal(p.seconds, 4);
    // A replacement recorder (the first one died) reports its own run from zero: the total goes on.
    const replacement = await recorderSocket(rec.auth && (rec.auth as { token: string }).token);
    await ok(replacement as never, 'recorder:attach', {});
    const resumed = next<CaptureState>(guest.socket, 'capture:state', (s) => (s.recording?.seconds ?? 0) > 4);
    await ok(replacement as never, 'recorder:progress', { state: 'live', seconds: 1.5, bytes: 500, segments: 1, pending: 0, mediaStartedAt: Date.now() });
    const total = (await resumed).recording!;
    assert.equal(total.seconds, 5.5);
    assert.equal(total.bytes, 1500);
    assert.ok(total.mediaStartedAt! < Date.now() - 3000, 'the recording still starts when the first recorder started');
    replacement.close();

    // A stop reaches the recorder, which finishes; then the state clears.
    const stop = next<{ reason: string }>(rec as never, 'recorder:stop');
    await ok(mod.socket, 'capture:stop', { kind: 'record' });
    assert.equal((await stop).reason, 'stopped');
    const cleared = next<CaptureState>(guest.socket, 'capture:state', (s) => s.recording === null);
    await ok(rec as never, 'recorder:finished', { key: null, seconds: 4, bytes: 1000, error: null });
    await cleared;
    // A finished capture is gone: its token attaches to nothing.
    await refused(rec as never, 'recorder:attach', {}, 'CAPTURE_NOT_FOUND');
  });

  test('every malformed recorder request is INVALID_PAYLOAD', async () => {
    const { mod } = await meetingWithModerator();
    const { capture } = await ok<{ capture: CaptureInfo }>(mod.socket, 'capture:start', { kind: 'record' });
    const job = (await queue.getJob(capture.id))!;
    await queue.remove(capture.id).catch(() => undefined);
    const cases = spoiltPayloads(RecorderPayloads);
    assert.ok(cases.length > 40);
    // A few requests per socket: the rate limit stays out of the picture.
    for (let i = 0; i < cases.length; i += 8) {
      const rec = await recorderSocket(job.data.token);
      for (const c of cases.slice(i, i + 8)) await refused(rec as never, c.event, c.payload, 'INVALID_PAYLOAD', `${c.event} with ${c.what}`);
      rec.close();
    }
    await ok(mod.socket, 'capture:stop', { kind: 'record' });
  });

  test('the meeting ending tells the recorder to stop', async () => {
    const { mod, guest } = await meetingWithModerator();
    const { capture } = await ok<{ capture: CaptureInfo }>(mod.socket, 'capture:start', { kind: 'stream' });
    const rec = await takeJob(capture.id);
    await ok(rec as never, 'recorder:attach', {});
    const stop = next<{ reason: string }>(rec as never, 'recorder:stop');
    await ok(guest.socket, 'meeting:leave', {});
    await ok(mod.socket, 'meeting:leave', {});
    assert.equal((await stop).reason, 'meeting-ended');
    // It may still report and finish after the meeting is gone.
    await ok(rec as never, 'recorder:finished', { key: null, seconds: 1, bytes: 10, error: null });
  });
});

describe('the recordings library', () => {
  /** A finished recording as the recorder leaves it in the drive (its description, the MP4, who started it). */
  async function storedRecording(meetingId: string, starter: string): Promise<string> {
    const id = `rec${Math.random().toString(36).slice(2, 12)}`;
    const folder = `meetings/${meetingId}/recordings/${id}/`;
    await parley.drive.put(`${folder}recording.mp4`, Buffer.alloc(4096, 7), { contentType: 'video/mp4' });
    await parley.drive.put(`${folder}recording.json`, JSON.stringify({ id, meetingId, startedAt: Date.now() - 60_000, seconds: 42, bytes: 4096, file: 'recording.mp4', error: null }), { contentType: 'application/json' });
    await parley.drive.put(`${folder}started.json`, JSON.stringify({ participantId: starter }), { contentType: 'application/json' });
    return id;
  }
  const api = (token: string | undefined, method: string, url: string, body?: unknown) => http<{ ok?: false; error?: { code: string }; recordings?: { id: string; title: string | null }[]; url?: string; expiresAt?: number; title?: string }>(parley.url, method, url, body, false, token ? { authorization: `Bearer ${token}` } : {});

  test('a moderator by the meeting’s link renames, shares for a chosen time and deletes; the files leave the drive', async () => {
    const { id, mod } = await meetingWithModerator();
    const rec = await storedRecording(id, mod.id);
    const base = `/api/meetings/${id}/recordings`;
    assert.deepEqual((await api(mod.token, 'GET', base)).body.recordings!.map((r) => [r.id, r.title]), [[rec, null]]);
    const renamed = await api(mod.token, 'PATCH', `${base}/${rec}`, { title: '  Quarterly\u0007 review ' });
    assert.equal(renamed.body.title, 'Quarterly review');
    assert.equal((await api(mod.token, 'GET', base)).body.recordings![0]!.title, 'Quarterly review');
    const link = await api(mod.token, 'POST', `${base}/${rec}/link`, { expiresIn: 7 * 86400 });
    assert.equal(link.status, 200);
    assert.ok(Math.abs(link.body.expiresAt! - (Date.now() + 7 * 86400_000)) < 60_000);
    assert.equal((await fetch(link.body.url!)).status, 200);
    assert.equal((await api(mod.token, 'DELETE', `${base}/${rec}`)).status, 200);
    assert.deepEqual(await parley.drive.list(`meetings/${id}/recordings/${rec}/`), []);
    assert.equal((await fetch(link.body.url!)).status, 404);
    assert.equal((await api(mod.token, 'DELETE', `${base}/${rec}`)).body.error!.code, 'RECORDING_NOT_FOUND');
  });

  test('nobody else: no token, another meeting’s, a plain participant, a moderator made in the meeting for someone else’s recording; bad bodies change nothing', async () => {
    const { id, mod, guest } = await meetingWithModerator();
    const other = await meetingWithModerator();
    const rec = await storedRecording(id, mod.id);
    const base = `/api/meetings/${id}/recordings`;
    for (const [method, url, body] of [['GET', base], ['PATCH', `${base}/${rec}`, { title: 'x' }], ['DELETE', `${base}/${rec}`], ['POST', `${base}/${rec}/link`, { expiresIn: 3600 }]] as const) {
      assert.equal((await api(undefined, method, url, body)).body.error!.code, 'UNAUTHORIZED', `${method} ${url} without a token`);
      assert.equal((await api(other.mod.token, method, url, body)).body.error!.code, 'UNAUTHORIZED', `${method} with another meeting’s token`);
      assert.equal((await api(guest.token, method, url, body)).body.error!.code, 'NOT_MODERATOR', `${method} by a participant`);
    }
    // Made moderator in the meeting: only the recordings they started, while in it.
    await ok(mod.socket, 'moderation:grant', { participantId: guest.id });
    await waitUntil(async () => (await api(guest.token, 'GET', base)).status === 200);
    assert.deepEqual((await api(guest.token, 'GET', base)).body.recordings, []);
    assert.equal((await api(guest.token, 'DELETE', `${base}/${rec}`)).body.error!.code, 'RECORDING_NOT_FOUND');
    for (const body of [{}, { title: '' }, { title: 'x'.repeat(201) }, { title: 'ok', extra: 1 }, { title: 5 }]) {
      assert.equal((await api(mod.token, 'PATCH', `${base}/${rec}`, body)).body.error!.code, 'INVALID_PAYLOAD', JSON.stringify(body));
    }
    assert.equal((await api(mod.token, 'PATCH', `${base}/${rec}`, { title: '\u200b' })).body.error!.code, 'INVALID_PAYLOAD');
    for (const body of [{}, { expiresIn: 60 }, { expiresIn: 7 * 86400 + 1 }, { expiresIn: 3600.5 }, { expiresIn: '3600' }]) {
      assert.equal((await api(mod.token, 'POST', `${base}/${rec}/link`, body)).body.error!.code, 'INVALID_PAYLOAD', JSON.stringify(body));
    }
    for (const bad of ['..%2F..%2Fetc', 'a'.repeat(200), '%00']) {
      const res = await api(mod.token, 'DELETE', `${base}/${bad}`);
      assert.ok([400, 404, 414].includes(res.status), `${bad}: ${res.status}`);
    }
    assert.equal((await api(mod.token, 'GET', base)).body.recordings!.length, 1, 'still there, untitled');
    assert.equal((await api(mod.token, 'GET', base)).body.recordings![0]!.title, null);
  });
});

describe('live streaming turned off by the operator', () => {
  test('LIVE_STREAMING=off: a meeting outside any organization cannot stream (PLAN_LIMIT), and says so at join; recording still works', async () => {
    const off = await startServer({ redis: true, config: { drive: { kind: 'local', dir: path.join(tmp, 'drive-off') }, capture: { streamMaxSeconds: 3600, recordingMaxSeconds: 3600, serverUrl: undefined, queueName: `${queueName}-off`, streaming: false } } });
    try {
      const { record } = await off.meetings.create('No streams here');
      const mod = await joinAs(off, record.id, 'Mona', { moderator: true });
      assert.equal(mod.join.capture.streamAllowed, false);
      const refusedStream = await request(mod.socket, 'capture:start', { kind: 'stream' });
      assert.equal(!refusedStream.ok && refusedStream.error.code, 'PLAN_LIMIT');
      await ok(mod.socket, 'capture:start', { kind: 'record' });
      await ok(mod.socket, 'capture:stop', { kind: 'record' });
      mod.socket.close();
    } finally {
      await off.close();
    }
  });

  test('by default a meeting outside any organization may stream, and says so at join', async () => {
    const { mod } = await meetingWithModerator();
    assert.equal(mod.join.capture.streamAllowed, true);
  });
});

describe('the recording’s layout', () => {
  test('the recorder composes the moderator’s layout only with "the recording uses my layout", whether or not everyone follows it', async () => {
    const { mod } = await meetingWithModerator();
    const { capture } = await ok<{ capture: CaptureInfo }>(mod.socket, 'capture:start', { kind: 'record' });
    const rec = await takeJob(capture.id);
    const attached = await ok<{ view: RecorderView }>(rec as never, 'recorder:attach', {});
    assert.equal(attached.view.moderatorLayout, false);
    const follows = next<RecorderView>(rec as never, 'recorder:view', (v) => v.moderatorLayout && v.layout.mode === 'grid');
    await ok(mod.socket, 'moderation:settings', { recordLayout: true, layout: { mode: 'grid', pinned: null } });
    await follows;
    // Follow-me alone leaves the recording to its own choice.
    const own = next<RecorderView>(rec as never, 'recorder:view', (v) => !v.moderatorLayout);
    await ok(mod.socket, 'moderation:settings', { recordLayout: false, followMe: true });
    await own;
    await ok(mod.socket, 'capture:stop', { kind: 'record' });
  });
});

describe('drawings for the recorder', () => {
  test('the recorder hears the main room’s drawings: the board opened with a stroke on it, then gone when everyone leaves the main room for a breakout room', async () => {
    const { mod, guest } = await meetingWithModerator();
    const { capture } = await ok<{ capture: CaptureInfo }>(mod.socket, 'capture:start', { kind: 'record' });
    const rec = await takeJob(capture.id);
    const attached = await ok<{ drawing: DrawingState }>(rec as never, 'recorder:attach', {});
    assert.equal(attached.drawing.board, false);
    const drawn = next<DrawingState>(rec as never, 'recorder:drawing', (d) => d.board && d.surfaces.some((x) => x.surface === 'board' && x.strokes.length === 1));
    await ok(mod.socket, 'draw:board', { open: true });
    await ok(guest.socket, 'draw:stroke', { surface: 'board', id: 's1', tool: 'pen', color: '#ef4444', fade: false, points: [0.1, 0.1, 0.5, 0.5] });
    await drawn;
    // The main room left empty loses its board without a drawing event of its own: the recorder hears it anyway.
    const gone = next<DrawingState>(rec as never, 'recorder:drawing', (d) => !d.board && d.surfaces.length === 0);
    const { room } = await ok<{ room: { id: string } }>(mod.socket, 'breakout:create', { name: 'Side' });
    await ok(mod.socket, 'breakout:assign', { participantId: guest.id, roomId: room.id });
    await ok(mod.socket, 'breakout:join', { roomId: room.id });
    await gone;
    await ok(mod.socket, 'capture:stop', { kind: 'record' });
  });
});

describe('ending the meeting for everyone', () => {
  test('a moderator ends it: the recording and the stream are told to stop, everyone hears who ended it', async () => {
    const { mod, guest } = await meetingWithModerator();
    const rec = await ok<{ capture: CaptureInfo }>(mod.socket, 'capture:start', { kind: 'record' });
    const str = await ok<{ capture: CaptureInfo }>(mod.socket, 'capture:start', { kind: 'stream' });
    const recorder = await takeJob(rec.capture.id);
    const streamer = await takeJob(str.capture.id);
    await ok(recorder as never, 'recorder:attach', {});
    await ok(streamer as never, 'recorder:attach', {});
    const stops = [next<{ reason: string }>(recorder as never, 'recorder:stop'), next<{ reason: string }>(streamer as never, 'recorder:stop')];
    const ended = next<{ reason: string; by: string | null }>(guest.socket, 'meeting:ended');
    await refused(guest.socket, 'moderation:endMeeting', {}, 'NOT_MODERATOR');
    await ok(mod.socket, 'moderation:endMeeting', {});
    assert.deepEqual(await ended, { reason: 'ended', by: 'Mona' });
    assert.deepEqual((await Promise.all(stops)).map((s) => s.reason), ['meeting-ended', 'meeting-ended']);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
