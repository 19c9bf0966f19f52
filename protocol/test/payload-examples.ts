// One valid payload per client->server event, and the ways to spoil each one.
// Used by the schema tests here and by the gateway tests (server/test), which
// send every spoilt payload to a real server.
import { AllPayloads, Payloads, type PayloadName, type PayloadOf } from '../src/index.ts';

const fingerprint = { algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') };

export const VALID: { [E in PayloadName]: PayloadOf<E> } = {
  'meeting:join': {},
  'meeting:leave': {},
  'media:setup': { rtpCapabilities: { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] } },
  'media:connect': { transportId: 'transport-1', dtlsParameters: { role: 'client', fingerprints: [fingerprint] } },
  'media:restartIce': { transportId: 'transport-1' },
  'media:produce': {
    transportId: 'transport-1',
    kind: 'audio',
    source: 'mic',
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 1234 }] },
  },
  'media:closeProducer': { producerId: 'producer-1' },
  'media:setProducerPaused': { producerId: 'producer-1', paused: true },
  'media:consume': { producerId: 'producer-1' },
  'media:setConsumerPaused': { consumerId: 'consumer-1', paused: false },
  'media:setPreferredLayers': { consumerId: 'consumer-1', spatialLayer: 2 },
  'media:closeConsumer': { consumerId: 'consumer-1' },
  'talk:send': { text: 'hello' },
  'reaction:send': { emoji: '👍' },
  'hand:set': { raised: true },
  'e2ee:set': { enabled: true },
  'lobby:knock': {},
  'lobby:cancel': {},
  'lobby:admit': { participantId: 'participant-1' },
  'lobby:admitAll': {},
  'lobby:deny': { participantId: 'participant-1', reason: 'not today' },
  'moderation:grant': { participantId: 'participant-1' },
  'moderation:renounce': {},
  'moderation:kick': { participantId: 'participant-1', reason: 'spam' },
  'moderation:mute': { participantId: 'participant-1', kind: 'audio' },
  'moderation:muteAll': { kind: 'video' },
  'moderation:allow': { participantId: 'participant-1', kind: 'audio', allowed: true },
  'moderation:askToUnmute': { participantId: 'participant-1', kind: 'audio' },
  'moderation:settings': { waitingRoom: true, layout: { mode: 'stage', pinned: 'participant-1' } },
  'moderation:setPassword': { password: 'secret' },
  'moderation:endMeeting': {},
  'moderation:pushLayout': {},
  'meeting:rename': { name: 'Ada L.' },
  'moderation:lowerHand': { participantId: 'p1' },
  'breakout:create': { name: 'Room A' },
  'breakout:rename': { roomId: 'room-1', name: 'Room B' },
  'breakout:remove': { roomId: 'room-1' },
  'breakout:assign': { participantId: 'participant-1', roomId: 'room-1' },
  'breakout:autoAssign': {},
  'breakout:join': { roomId: null },
  'breakout:settings': { participantsChoose: true },
  'breakout:timer': { seconds: 600 },
  'breakout:broadcast': { text: 'five minutes left' },
  'breakout:close': { roomId: 'room-1' },
  'breakout:closeAll': {},
  'capture:start': { kind: 'record', layout: 'speaker' },
  'capture:stop': { kind: 'stream' },
  'draw:stroke': { surface: 'screen:producer-1', id: 's1', tool: 'pen', color: '#ef4444', fade: false, points: [0.1, 0.2, 0.3, 0.4] },
  'draw:undo': { surface: 'board' },
  'draw:clear': { surface: 'board' },
  'draw:allow': { participantId: 'participant-1', allowed: true },
  'draw:board': { open: true },
  'draw:sync': {},
  'recorder:attach': {},
  'recorder:consume': { producerId: 'p-1', ip: '127.0.0.1', port: 40000, rtcpPort: 40001 },
  'recorder:release': { consumerId: 'c-1' },
  'recorder:keyframe': { consumerId: 'c-1' },
  'recorder:progress': { state: 'live', seconds: 12.5, bytes: 1000, segments: 6, pending: 0, mediaStartedAt: 1700000000000 },
  'recorder:finished': { key: 'meetings/m/recordings/c/recording.mp4', seconds: 12.5, bytes: 1000, error: null },
  'chat:state': { orgId: 'org-1' },
  'chat:sync': { since: { 'channel-1': 3 } },
  'channel:create': { orgId: 'org-1', name: 'design', kind: 'public', topic: 'all things design' },
  'channel:browse': { orgId: 'org-1' },
  'channel:join': { channelId: 'channel-1' },
  'channel:leave': { channelId: 'channel-1' },
  'channel:mute': { channelId: 'channel-1', muted: true },
  'channel:invite': { channelId: 'channel-1', userIds: ['user-1'] },
  'channel:inviteTeam': { channelId: 'channel-1', teamId: 'team-1' },
  'thread:list': { orgId: 'org-1' },
  'thread:read': { messageId: 'message-1' },
  'channel:remove': { channelId: 'channel-1', userId: 'user-1' },
  'channel:setRole': { channelId: 'channel-1', userId: 'user-1', role: 'admin' },
  'channel:members': { channelId: 'channel-1' },
  'channel:read': { channelId: 'channel-1', seq: 4 },
  'dm:open': { orgId: 'org-1', userIds: ['user-1'] },
  'message:send': { channelId: 'channel-1', clientId: 'client-0001', text: 'hello', rootId: 'message-1', fileIds: ['file-1'] },
  'message:edit': { messageId: 'message-1', text: 'hello again' },
  'message:delete': { messageId: 'message-1' },
  'message:react': { messageId: 'message-1', emoji: '👍', on: true },
  'message:pin': { messageId: 'message-1', on: true },
  'message:history': { channelId: 'channel-1', before: 10, limit: 20 },
  'message:thread': { messageId: 'message-1' },
  'message:pins': { channelId: 'channel-1' },
  'message:search': { orgId: 'org-1', query: 'hello' },
  'presence:set': { presence: 'dnd', statusText: 'in a meeting', statusEmoji: '📅' },
  'call:start': { channelId: 'channel-1' },
};

export interface Spoilt {
  event: PayloadName;
  what: string;
  payload: unknown;
}

/** A value of another JSON type than the property's schema asks for. */
function wrongType(schema: { type?: string; anyOf?: unknown[] } | undefined): unknown {
  // No union of ours takes an array (a number could pass `integer | null`).
  if (schema?.anyOf) return [];
  return schema?.type === undefined || schema.type === 'string' ? 42 : 'not-the-right-type';
}

/**
 * For every event of `events` (the participants' by default): non-objects,
 * an extra property, each required field missing, each field of the wrong type.
 */
export function spoiltPayloads(events: Partial<typeof AllPayloads> = Payloads): Spoilt[] {
  const out: Spoilt[] = [];
  for (const event of Object.keys(events) as PayloadName[]) {
    const valid = VALID[event] as Record<string, unknown>;
    const schema = AllPayloads[event] as { required?: string[]; properties: Record<string, { type?: string }> };
    for (const [what, payload] of [
      ['null', null],
      ['a string', 'hello'],
      ['a number', 7],
      ['an array', [valid]],
      ['nothing', undefined],
    ] as const) {
      out.push({ event, what, payload });
    }
    out.push({ event, what: 'an extra property', payload: { ...valid, extra: 1 } });
    for (const field of schema.required ?? []) {
      const { [field]: _, ...rest } = valid;
      out.push({ event, what: `missing ${field}`, payload: rest });
    }
    // Optional fields too, even those the valid example leaves out.
    for (const [field, fieldSchema] of Object.entries(schema.properties)) {
      out.push({ event, what: `${field} of the wrong type`, payload: { ...valid, [field]: wrongType(fieldSchema) } });
    }
  }
  return out;
}
