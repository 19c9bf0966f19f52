import { test } from 'vitest';
import assert from 'node:assert/strict';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import {
  CreateMeetingBody,
  DtlsParametersSchema,
  JoinMeetingBody,
  LIMITS,
  MeetingParams,
  AllPayloads,
  Payloads,
  REACTIONS,
  RtpCapabilitiesSchema,
  RtpParametersSchema,
  type PayloadName,
} from '../src/index.ts';
import { spoiltPayloads, VALID } from './payload-examples.ts';

const check = (schema: TSchema, value: unknown) => Compile(schema).Check(value);

test('every client->server event has a schema and a valid example that passes it', () => {
  assert.deepEqual(Object.keys(VALID).sort(), Object.keys(AllPayloads).sort());
  for (const event of Object.keys(AllPayloads) as PayloadName[]) {
    assert.ok(check(AllPayloads[event], VALID[event]), event);
  }
});

test('spoilt payloads of every event are refused (non-object, extra, missing, wrong type)', () => {
  const spoilt = spoiltPayloads(AllPayloads);
  assert.ok(spoilt.length > Object.keys(AllPayloads).length * 6);
  for (const { event, what, payload } of spoilt) {
    assert.equal(check(AllPayloads[event], payload), false, `${event} with ${what} should be refused`);
  }
});

const valid = <E extends PayloadName>(event: E, patch: object) => ({ ...VALID[event], ...patch });
const longId = 'a'.repeat(65);

const CASES: [PayloadName, string, unknown, boolean][] = [
  // ids: letters, digits, - and _, 1..64 chars
  ['media:closeProducer', 'a uuid id', { producerId: '0b6f8a52-5bd4-4a8e-9c5e-1c2f7a9e3d10' }, true],
  ['media:closeProducer', 'a 64-char id', { producerId: 'a'.repeat(64) }, true],
  ['media:closeProducer', 'a 65-char id', { producerId: longId }, false],
  ['media:closeProducer', 'an empty id', { producerId: '' }, false],
  ['media:closeProducer', 'an id with a slash', { producerId: '../etc' }, false],
  ['media:closeProducer', 'an id with a space', { producerId: 'a b' }, false],
  ['media:consume', 'paused flag', { producerId: 'p', paused: true }, true],
  // chat: 1..4096 characters here (the byte limit is the domain's)
  ['talk:send', 'text of 4096 chars', { text: 'x'.repeat(LIMITS.talkBytes) }, true],
  ['talk:send', 'text of 4097 chars', { text: 'x'.repeat(LIMITS.talkBytes + 1) }, false],
  ['talk:send', 'empty text', { text: '' }, false],
  ['talk:send', 'a private message', { text: 'hi', to: 'participant-1' }, true],
  ['talk:send', 'a private message to a bad id', { text: 'hi', to: 'not an id' }, false],
  // reactions: the set only
  ['reaction:send', 'an emoji outside the set', { emoji: '💩' }, false],
  ['reaction:send', 'text', { emoji: 'thumbs up' }, false],
  // layers
  ['media:setPreferredLayers', 'spatial 0, temporal 2', valid('media:setPreferredLayers', { spatialLayer: 0, temporalLayer: 2 }), true],
  ['media:setPreferredLayers', 'spatial 3', valid('media:setPreferredLayers', { spatialLayer: 3 }), false],
  ['media:setPreferredLayers', 'spatial -1', valid('media:setPreferredLayers', { spatialLayer: -1 }), false],
  ['media:setPreferredLayers', 'spatial 1.5', valid('media:setPreferredLayers', { spatialLayer: 1.5 }), false],
  ['media:setPreferredLayers', 'temporal 3', valid('media:setPreferredLayers', { temporalLayer: 3 }), false],
  // produce
  ['media:produce', 'video from the camera, paused', valid('media:produce', { kind: 'video', source: 'camera', paused: true }), true],
  ['media:produce', 'kind text', valid('media:produce', { kind: 'text' }), false],
  ['media:produce', 'source webcam', valid('media:produce', { source: 'webcam' }), false],
  ['media:produce', 'no codecs', valid('media:produce', { rtpParameters: { codecs: [] } }), false],
  ['media:produce', 'payload type 128', valid('media:produce', { rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 128, clockRate: 48000 }] } }), false],
  ['media:produce', 'nine encodings', valid('media:produce', { rtpParameters: { ...VALID['media:produce'].rtpParameters, encodings: Array.from({ length: 9 }, (_, i) => ({ ssrc: i })) } }), false],
  ['media:produce', 'a negative ssrc', valid('media:produce', { rtpParameters: { ...VALID['media:produce'].rtpParameters, encodings: [{ ssrc: -1 }] } }), false],
  ['media:produce', '33 codec parameters', valid('media:produce', { rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, parameters: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`p${i}`, i])) }] } }), false],
  ['media:produce', 'a codec parameter that is an object', valid('media:produce', { rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, parameters: { x: {} } }] } }), false],
  // connect
  ['media:connect', 'no fingerprints', { transportId: 't', dtlsParameters: { fingerprints: [] } }, false],
  ['media:connect', 'role sideways', { transportId: 't', dtlsParameters: { role: 'sideways', fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } }, false],
  ['media:connect', 'a huge fingerprint', { transportId: 't', dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'A'.repeat(257) }] } }, false],
  // capabilities
  ['media:setup', 'empty capabilities', { rtpCapabilities: {} }, true],
  ['media:setup', '129 codecs', { rtpCapabilities: { codecs: Array.from({ length: 129 }, () => ({ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000 })) } }, false],
  ['media:setup', 'a header extension id of 0', { rtpCapabilities: { headerExtensions: [{ kind: 'audio', uri: 'urn:x', preferredId: 0 }] } }, false],
  ['meeting:join', 'with capabilities', { rtpCapabilities: VALID['media:setup'].rtpCapabilities }, true],
];

test('field rules', () => {
  for (const [event, what, payload, ok] of CASES) {
    assert.equal(check(AllPayloads[event], payload), ok, `${event}: ${what} should be ${ok ? 'accepted' : 'refused'}`);
  }
  for (const emoji of REACTIONS) assert.ok(check(Payloads['reaction:send'], { emoji }), emoji);
});

test('the shared RTP/DTLS schemas are the ones payloads use', () => {
  assert.ok(check(RtpParametersSchema, VALID['media:produce'].rtpParameters));
  assert.ok(check(RtpCapabilitiesSchema, VALID['media:setup'].rtpCapabilities));
  assert.ok(check(DtlsParametersSchema, VALID['media:connect'].dtlsParameters));
  assert.equal(check(RtpParametersSchema, {}), false);
});

test('HTTP bodies and params', () => {
  const cases: [TSchema, string, unknown, boolean][] = [
    [CreateMeetingBody, 'empty', {}, true],
    [CreateMeetingBody, 'a title', { title: 'Standup' }, true],
    [CreateMeetingBody, 'a 200-char title', { title: 't'.repeat(LIMITS.titleChars) }, true],
    [CreateMeetingBody, 'a 201-char title', { title: 't'.repeat(LIMITS.titleChars + 1) }, false],
    [CreateMeetingBody, 'a numeric title', { title: 5 }, false],
    [CreateMeetingBody, 'an extra property', { title: 'x', private: true }, false],
    [JoinMeetingBody, 'a name', { name: 'Ada' }, true],
    [JoinMeetingBody, 'a 64-char name', { name: 'n'.repeat(LIMITS.nameChars) }, true],
    [JoinMeetingBody, 'a 65-char name', { name: 'n'.repeat(LIMITS.nameChars + 1) }, false],
    [JoinMeetingBody, 'an empty name', { name: '' }, false],
    [JoinMeetingBody, 'no name', {}, false],
    [JoinMeetingBody, 'a moderator token', { name: 'Ada', moderatorToken: 'abc' }, true],
    [JoinMeetingBody, 'an empty moderator token', { name: 'Ada', moderatorToken: '' }, false],
    [JoinMeetingBody, 'a role', { name: 'Ada', role: 'moderator' }, false],
    [MeetingParams, 'a meeting id', { id: 'abcdefghijklmnopqrstuvwxyz' }, true],
    [MeetingParams, 'a dotted id', { id: 'a.b' }, false],
  ];
  for (const [schema, what, value, ok] of cases) assert.equal(check(schema, value), ok, `${what} should be ${ok ? 'accepted' : 'refused'}`);
});
