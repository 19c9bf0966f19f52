// The live viewer count: counted from the viewer pages' polls, each page
// once, for 30 s after its last poll; one address cannot inflate it.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { LiveViewers, WINDOW_MS } from '../src/capture/viewers.ts';

test('each page counts once while it polls, and not after the window', () => {
  const v = new LiveViewers();
  const t0 = 1_000_000;
  assert.equal(v.seen('s1', 'page-a-0000000000', '198.51.100.1', t0), 1);
  assert.equal(v.seen('s1', 'page-a-0000000000', '198.51.100.1', t0 + 5000), 1, 'the same page again');
  assert.equal(v.seen('s1', 'page-b-0000000000', '198.51.100.2', t0 + 6000), 2);
  assert.equal(v.count('s2', t0), 0, 'another stream');
  assert.equal(v.count('s1', t0 + 5000 + WINDOW_MS + 1), 1, 'page a stopped polling');
  assert.equal(v.count('s1', t0 + 6000 + WINDOW_MS + 1001), 0);
});

test('ended streams are forgotten: a year of streams never fills the table', () => {
  const v = new LiveViewers();
  let t = 0;
  for (let s = 0; s < 2000; s++) {
    t += 120_000; // a stream every two minutes, each watched by 150 people once
    for (let i = 0; i < 150; i++) v.seen(`stream-${s}`, `viewer-${s}-${i}-000000`, `198.51.${s % 250}.${i}`, t);
  }
  assert.equal(v.seen('tonight', 'viewer-tonight-0000', '192.0.2.1', t + 120_000), 1, 'the newest stream still counts its viewers');
});

test('one network counts for at most 20 viewers, whatever ids it invents (an IPv6 /64 is one network)', () => {
  const v = new LiveViewers();
  let n = 0;
  for (let i = 0; i < 1000; i++) n = v.seen('s1', `bot-${String(i).padStart(12, '0')}`, '203.0.113.9', 5000);
  assert.equal(n, 20);
  for (let i = 0; i < 1000; i++) n = v.seen('s1', `six-${String(i).padStart(12, '0')}`, `2001:db8:1:2::${(i + 1).toString(16)}`, 5000);
  assert.equal(n, 40);
  assert.equal(v.seen('s1', 'real-person-00000', '198.51.100.7', 5000), 41, 'others still count');
});
