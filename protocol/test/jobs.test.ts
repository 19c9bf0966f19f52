// Job schemas: what the server enqueues passes; what someone with write access
// to Redis could put there instead does not.
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { AgendaJobSchema, isJob, jobProblem, RecorderJobSchema, WelcomeJobSchema } from '../src/index.ts';

const recorder = {
  captureId: 'abc123',
  kind: 'stream',
  layout: 'grid',
  meetingId: 'abcdefghijklmnopqrstuvwxyz',
  title: 'Weekly',
  serverUrl: 'http://127.0.0.1:3000',
  token: 'signed.token',
  liveId: 'abcdefghijklmnopqrstuvwxyz',
  endsAt: 1_800_000_000_000,
  requestedAt: 1_700_000_000_000,
  keep: true,
};
const welcome = { orgId: 'o1', userId: 'u1', name: 'Zoé', username: 'zoe', language: 'fr', orgName: 'Acme', template: null };
const agenda = { orgId: 'o1', userId: 'u1', reminderId: 'r1', day: '2026-12-05', text: 'Your day' };

test('the jobs the server makes pass their schemas', () => {
  assert.equal(jobProblem(RecorderJobSchema, recorder), undefined);
  assert.equal(jobProblem(RecorderJobSchema, { ...recorder, liveId: null, endsAt: null, keep: undefined, kind: 'record' }), undefined);
  assert.equal(jobProblem(WelcomeJobSchema, welcome), undefined);
  assert.equal(jobProblem(AgendaJobSchema, agenda), undefined);
  assert.ok(isJob(WelcomeJobSchema, welcome));
});

test('hostile or broken jobs are refused with the first problem said', () => {
  const cases: [object, unknown][] = [
    [RecorderJobSchema, { ...recorder, serverUrl: 'file:///etc/passwd' }],
    [RecorderJobSchema, { ...recorder, liveId: '../../other-stream' }],
    [RecorderJobSchema, { ...recorder, captureId: 'a/b' }],
    [RecorderJobSchema, { ...recorder, kind: 'exfiltrate' }],
    [RecorderJobSchema, { ...recorder, endsAt: -1 }],
    [RecorderJobSchema, { ...recorder, extra: 1 }],
    [WelcomeJobSchema, { ...welcome, language: 'xx' }],
    [WelcomeJobSchema, { ...welcome, template: 'x'.repeat(5000) }],
    [WelcomeJobSchema, { ...welcome, userId: undefined }],
    [AgendaJobSchema, { ...agenda, day: '2026-12-05T00:00' }],
    [AgendaJobSchema, { ...agenda, text: '' }],
    [AgendaJobSchema, null],
    [AgendaJobSchema, 'text'],
  ];
  for (const [schema, data] of cases) {
    const problem = jobProblem(schema as never, data);
    assert.ok(problem, JSON.stringify(data)?.slice(0, 80));
    assert.ok(problem.length <= 300);
  }
});
