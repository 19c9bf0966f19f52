// chat:event travels compacted: every kind of message comes back whole, and
// what is left out is only what the event says or what is at its default.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { compactEvent, expandEvent, type ChannelEvent, type MessageView } from '../src/index.ts';

const base: MessageView = {
  id: 'm1',
  channelId: 'c1',
  seq: 7,
  authorId: 'u1',
  authorName: 'Ann',
  clientId: 'k1',
  rootId: null,
  kind: 'user',
  text: 'hello',
  mentions: [],
  attachments: [],
  reactions: [],
  createdAt: 1_800_000_000_000,
  editedAt: null,
  deletedAt: null,
  pinned: false,
  replyCount: 0,
  call: null,
};

test('every kind of message event comes back whole', () => {
  const events: ChannelEvent[] = [
    { channelId: 'c1', seq: 7, at: base.createdAt, kind: 'message', message: base },
    // A reply that mentions, with a reaction and an attachment.
    {
      channelId: 'c1',
      seq: 8,
      at: base.createdAt + 5,
      kind: 'message',
      message: { ...base, id: 'm2', seq: 8, createdAt: base.createdAt + 5, rootId: 'm1', mentions: ['u2'], reactions: [{ emoji: '👍', userIds: ['u2'] }], attachments: [{ id: 'f1', name: 'a.pdf', size: 10, mime: 'application/pdf' }] },
    },
    // A system message and a call card.
    { channelId: 'c1', seq: 9, at: base.createdAt + 9, kind: 'message', message: { ...base, id: 'm3', seq: 9, createdAt: base.createdAt + 9, kind: 'system', note: { event: 'joined', user: 'bob' } } },
    { channelId: 'c1', seq: 10, at: base.createdAt + 10, kind: 'message', message: { ...base, id: 'm4', seq: 10, createdAt: base.createdAt + 10, kind: 'call', call: { meetingId: 'x', url: 'https://p/m/x', participants: 0, endedAt: null } } },
    // An edit: the event's number and time are the edit's, the message keeps its own.
    { channelId: 'c1', seq: 11, at: base.createdAt + 60_000, kind: 'message:edited', message: { ...base, text: 'hello!', editedAt: base.createdAt + 60_000, pinned: true, replyCount: 2 } },
  ];
  for (const e of events) assert.deepEqual(expandEvent(compactEvent(e)), e, JSON.stringify(e));
  // A plain message leaves its event's channel, number and time out, and every default.
  assert.deepEqual(Object.keys((compactEvent(events[0]!) as { message: object }).message).sort(), ['authorId', 'authorName', 'clientId', 'id', 'text']);
  const edited = (compactEvent(events[4]!) as { message: Record<string, unknown> }).message;
  assert.deepEqual([edited.seq, edited.createdAt, edited.pinned, edited.replyCount], [7, base.createdAt, true, 2]);
  assert.ok(JSON.stringify(compactEvent(events[0]!)).length < JSON.stringify(events[0]).length * 0.6);
});

test('events without a message travel as they are', () => {
  const e: ChannelEvent = { channelId: 'c1', seq: 12, at: 1, kind: 'pin', messageId: 'm1', pinned: true, by: 'u1' };
  assert.equal(compactEvent(e), e);
  assert.equal(expandEvent(e), e);
});
