// Presence news gathered per organization: many changes in a moment are one
// event per organization room, the last word of each person wins, news leaves
// in order, and a crowd is cut into events of bounded size.
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { PresenceUpdate } from '@parley/protocol';
import { PRESENCE_PER_EVENT, PresenceNews, type PresenceSource } from '../src/gateway/presence-news.ts';
import { presenceOf } from '../src/accounts/Accounts.ts';

function world() {
  const connected = new Set<string>();
  const chosen = new Map<string, string>();
  const orgsOf = new Map<string, string[]>();
  const sent: { room: string; users: PresenceUpdate[] }[] = [];
  const failures: unknown[] = [];
  let slowOnce = 0;
  const source: PresenceSource = {
    online: async (ids) => {
      const now = new Set(ids.filter((id) => connected.has(id)));
      // A read can be made slow (its answer is as it was when asked): the news after it must still leave after it.
      if (slowOnce > 0) {
        const ms = slowOnce;
        slowOnce = 0;
        await new Promise((r) => setTimeout(r, ms));
      }
      return now;
    },
    person: async (id) => {
      if (id === 'broken') throw new Error('database gone');
      const rooms = orgsOf.get(id);
      return rooms ? { chosen: { presence: chosen.get(id) ?? 'auto', status_text: '', status_emoji: '' }, rooms } : undefined;
    },
    presenceOf,
    emit: (room, users) => sent.push({ room, users }),
    failed: (error) => failures.push(error),
  };
  return { connected, chosen, orgsOf, sent, failures, source, slow: (ms: number) => (slowOnce = ms) };
}

describe('presence news', () => {
  test('changes within a moment go out together, one event per organization, the last word of each person', async () => {
    const w = world();
    w.orgsOf.set('ann', ['o:1']);
    w.orgsOf.set('bob', ['o:1', 'o:2']);
    w.orgsOf.set('cat', ['o:2']);
    const news = new PresenceNews(w.source, 20);
    w.connected.add('ann').add('bob').add('cat');
    news.changed('ann');
    news.changed('bob');
    news.changed('cat');
    // Ann leaves again before the news goes: she is told offline, once.
    w.connected.delete('ann');
    news.changed('ann');
    await news.flushed();
    const byRoom = Object.fromEntries(w.sent.map((s) => [s.room, s.users.map((u) => `${u.userId}:${u.presence}`)]));
    assert.deepEqual(byRoom, { 'o:1': ['ann:offline', 'bob:online'], 'o:2': ['bob:online', 'cat:online'] });
    assert.equal(w.sent.length, 2);
    // Someone in no organization (or unknown) is told to nobody.
    news.changed('nobody');
    await news.flushed();
    assert.equal(w.sent.length, 2);
  });

  test('a crowd is cut into events of at most PRESENCE_PER_EVENT people; every one is told', async () => {
    const w = world();
    const n = PRESENCE_PER_EVENT * 2 + 7;
    for (let i = 0; i < n; i++) {
      w.orgsOf.set(`u${i}`, ['o:big']);
      w.connected.add(`u${i}`);
    }
    const news = new PresenceNews(w.source, 20);
    for (let i = 0; i < n; i++) news.changed(`u${i}`);
    await news.flushed();
    assert.deepEqual(w.sent.map((s) => s.users.length), [PRESENCE_PER_EVENT, PRESENCE_PER_EVENT, 7]);
    assert.equal(new Set(w.sent.flatMap((s) => s.users.map((u) => u.userId))).size, n);
  });

  test('news leaves in order even when reading the first takes longer; a failure is reported and the next news still goes', async () => {
    const w = world();
    w.orgsOf.set('dan', ['o:1']);
    const news = new PresenceNews(w.source, 20);
    w.connected.add('dan');
    w.slow(150);
    news.changed('dan');
    await new Promise((r) => setTimeout(r, 60));
    w.connected.delete('dan');
    news.changed('dan');
    await news.flushed();
    assert.deepEqual(w.sent.map((s) => s.users[0]!.presence), ['online', 'offline']);
    news.changed('broken');
    await news.flushed();
    assert.equal(w.failures.length, 1);
    w.chosen.set('dan', 'dnd');
    w.connected.add('dan');
    news.changed('dan');
    await news.flushed();
    assert.equal(w.sent.at(-1)!.users[0]!.presence, 'dnd');
  });

  test('closed, it sends nothing more', async () => {
    const w = world();
    w.orgsOf.set('eve', ['o:1']);
    const news = new PresenceNews(w.source, 20);
    news.changed('eve');
    news.close();
    // A disconnect heard after closing (the server going down) tells no one either.
    news.changed('eve');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(w.sent.length, 0);
  });
});
