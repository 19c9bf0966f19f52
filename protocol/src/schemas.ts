// TypeBox schemas for every HTTP body and socket payload. The server compiles
// them once and checks every message at the edge; the types below are derived
// from them, so the contract and the check cannot drift apart.
import Type from 'typebox';
import { LIMITS, REACTIONS } from './limits.ts';
import { IdSchema, type MeetingId } from './ids.ts';
import { ChatPayloads } from './chat.ts';
import { DrawPayloads } from './drawing.ts';

const Id = IdSchema;
const Name = Type.String({ minLength: 1, maxLength: LIMITS.nameChars });
const Kind = Type.Union([Type.Literal('audio'), Type.Literal('video')]);
export const MediaSourceSchema = Type.Union([
  Type.Literal('mic'),
  Type.Literal('camera'),
  Type.Literal('screen'),
  Type.Literal('screenAudio'),
]);
export const CaptureKindSchema = Type.Union([Type.Literal('record'), Type.Literal('stream')]);
/** What a recording shows: everyone in a grid, or the active speaker large with the others in a strip. */
export const CaptureLayoutSchema = Type.Union([Type.Literal('grid'), Type.Literal('speaker')]);
const NoFields = Type.Object({}, { additionalProperties: false });
const RoomName = Type.String({ minLength: 1, maxLength: LIMITS.roomNameChars });
const Reason = Type.String({ maxLength: LIMITS.reasonChars });
/** What the moderator's screen shows, for everyone to follow ("follow me"). */
export const LayoutSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('grid'), Type.Literal('stage')]),
    pinned: Type.Union([Id, Type.Null()]),
  },
  { additionalProperties: false },
);

// RTP/DTLS structures are validated for shape and size here; mediasoup then
// validates their meaning (unknown codecs, bad fingerprints) and the gateway
// turns its refusal into MEDIA_ERROR.
const Params = Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]), {
  maxProperties: 32,
});
const RtcpFeedback = Type.Object({ type: Type.String({ maxLength: 32 }), parameter: Type.Optional(Type.String({ maxLength: 32 })) });
const CodecCapability = Type.Object({
  kind: Kind,
  mimeType: Type.String({ maxLength: 64 }),
  preferredPayloadType: Type.Optional(Type.Integer({ minimum: 0, maximum: 127 })),
  clockRate: Type.Integer({ minimum: 1 }),
  channels: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
  parameters: Type.Optional(Params),
  rtcpFeedback: Type.Optional(Type.Array(RtcpFeedback, { maxItems: 32 })),
});
const HeaderExtensionCapability = Type.Object({
  kind: Kind,
  uri: Type.String({ maxLength: 256 }),
  preferredId: Type.Integer({ minimum: 1, maximum: 255 }),
  preferredEncrypt: Type.Optional(Type.Boolean()),
  direction: Type.Optional(Type.String({ maxLength: 16 })),
});
export const RtpCapabilitiesSchema = Type.Object({
  codecs: Type.Optional(Type.Array(CodecCapability, { maxItems: 128 })),
  headerExtensions: Type.Optional(Type.Array(HeaderExtensionCapability, { maxItems: 64 })),
});

const CodecParameters = Type.Object({
  mimeType: Type.String({ maxLength: 64 }),
  payloadType: Type.Integer({ minimum: 0, maximum: 127 }),
  clockRate: Type.Integer({ minimum: 1 }),
  channels: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
  parameters: Type.Optional(Params),
  rtcpFeedback: Type.Optional(Type.Array(RtcpFeedback, { maxItems: 32 })),
});
const Encoding = Type.Object({
  ssrc: Type.Optional(Type.Integer({ minimum: 0 })),
  rid: Type.Optional(Type.String({ maxLength: 32 })),
  codecPayloadType: Type.Optional(Type.Integer({ minimum: 0, maximum: 127 })),
  rtx: Type.Optional(Type.Object({ ssrc: Type.Integer({ minimum: 0 }) })),
  dtx: Type.Optional(Type.Boolean()),
  scalabilityMode: Type.Optional(Type.String({ maxLength: 16 })),
  scaleResolutionDownBy: Type.Optional(Type.Number({ minimum: 1 })),
  maxBitrate: Type.Optional(Type.Number({ minimum: 0 })),
  active: Type.Optional(Type.Boolean()),
});
export const RtpParametersSchema = Type.Object({
  mid: Type.Optional(Type.String({ maxLength: 32 })),
  codecs: Type.Array(CodecParameters, { minItems: 1, maxItems: 32 }),
  headerExtensions: Type.Optional(
    Type.Array(
      Type.Object({
        uri: Type.String({ maxLength: 256 }),
        id: Type.Integer({ minimum: 1, maximum: 255 }),
        encrypt: Type.Optional(Type.Boolean()),
        parameters: Type.Optional(Params),
      }),
      { maxItems: 32 },
    ),
  ),
  encodings: Type.Optional(Type.Array(Encoding, { maxItems: 8 })),
  rtcp: Type.Optional(
    Type.Object({
      cname: Type.Optional(Type.String({ maxLength: 256 })),
      reducedSize: Type.Optional(Type.Boolean()),
      mux: Type.Optional(Type.Boolean()),
    }),
  ),
});
export const DtlsParametersSchema = Type.Object({
  role: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('client'), Type.Literal('server')])),
  fingerprints: Type.Array(
    Type.Object({ algorithm: Type.String({ maxLength: 16 }), value: Type.String({ maxLength: 256 }) }),
    { minItems: 1, maxItems: 8 },
  ),
});

// ---- HTTP bodies ----------------------------------------------------------
export const CreateMeetingBody = Type.Object(
  {
    title: Type.Optional(Type.String({ maxLength: LIMITS.titleChars })),
    waitingRoom: Type.Optional(Type.Boolean()),
    /** The meeting password from the start (hashed at once, never stored in clear). */
    password: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.passwordChars })),
  },
  { additionalProperties: false },
);
/** One recording of a meeting in a path. */
export const RecordingParams = Type.Object({ id: Type.Unsafe<MeetingId>(Id), recordingId: Id });
export const RenameRecordingBody = Type.Object({ title: Type.String({ minLength: 1, maxLength: LIMITS.titleChars }) }, { additionalProperties: false });
/** A share link's life, in seconds: an hour to 7 days (S3 presigns links for 7 days at most). */
export const RecordingLinkBody = Type.Object({ expiresIn: Type.Integer({ minimum: 3600, maximum: 7 * 86400 }) }, { additionalProperties: false });
/** A meeting's short code (nine digits) in a path. */
export const MeetingCodeParams = Type.Object({ code: Type.String({ pattern: '^[0-9]{9}$' }) });
export const JoinMeetingBody = Type.Object(
  { name: Name, moderatorToken: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) },
  { additionalProperties: false },
);
/** A meeting's id in a path: checked as an id, typed as the MeetingId it then is. */
export const MeetingParams = Type.Object({ id: Type.Unsafe<MeetingId>(Id) });
/** A live stream's public id: 128 random bits in lowercase base32 (26 characters). */
export const LiveParams = Type.Object({ id: Type.String({ pattern: '^[a-z2-7]{26}$' }) });
/** The viewer page's random id (counted as one viewer while it polls). */
export const LiveQuery = Type.Object({ viewer: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{16,32}$' })) }, { additionalProperties: false });

// ---- socket payloads (client -> server) -----------------------------------
export const Payloads = {
  // With the client's capabilities, the join also creates both transports
  // (one round trip fewer); without, media:setup does it later.
  'meeting:join': Type.Object(
    { rtpCapabilities: Type.Optional(RtpCapabilitiesSchema), password: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.passwordChars })) },
    { additionalProperties: false },
  ),
  /** `unload`: the page is going away (closed or reloaded); a reload within the resume window comes back as before. */
  'meeting:leave': Type.Object({ unload: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  /** Changes one's own name in the meeting (everyone sees it at once). */
  'meeting:rename': Type.Object({ name: Name }, { additionalProperties: false }),
  'media:setup': Type.Object({ rtpCapabilities: RtpCapabilitiesSchema }, { additionalProperties: false }),
  'media:connect': Type.Object({ transportId: Id, dtlsParameters: DtlsParametersSchema }, { additionalProperties: false }),
  'media:restartIce': Type.Object({ transportId: Id }, { additionalProperties: false }),
  'media:produce': Type.Object(
    {
      transportId: Id,
      kind: Kind,
      source: MediaSourceSchema,
      rtpParameters: RtpParametersSchema,
      paused: Type.Optional(Type.Boolean()),
      /** The video's height as captured (ProducerInfo.height). */
      height: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.videoHeight })),
    },
    { additionalProperties: false },
  ),
  'media:closeProducer': Type.Object({ producerId: Id }, { additionalProperties: false }),
  'media:setProducerPaused': Type.Object({ producerId: Id, paused: Type.Boolean() }, { additionalProperties: false }),
  'media:consume': Type.Object({ producerId: Id, paused: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  'media:setConsumerPaused': Type.Object({ consumerId: Id, paused: Type.Boolean() }, { additionalProperties: false }),
  'media:setPreferredLayers': Type.Object(
    {
      consumerId: Id,
      spatialLayer: Type.Integer({ minimum: 0, maximum: 2 }),
      temporalLayer: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
    },
    { additionalProperties: false },
  ),
  'media:closeConsumer': Type.Object({ consumerId: Id }, { additionalProperties: false }),
  'talk:send': Type.Object(
    // maxLength counts UTF-16 units; the byte limit is checked by the domain.
    { text: Type.String({ minLength: 1, maxLength: LIMITS.talkBytes }), to: Type.Optional(Id) },
    { additionalProperties: false },
  ),
  'reaction:send': Type.Object(
    { emoji: Type.Enum(REACTIONS) },
    { additionalProperties: false },
  ),
  'hand:set': Type.Object({ raised: Type.Boolean() }, { additionalProperties: false }),
  // The client says whether it encrypts its media end to end (shown on its
  // tile); the key itself never reaches the server.
  'e2ee:set': Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }),

  // Waiting room: a knocker (token, not joined) asks in or gives up;
  // moderators admit or deny.
  'lobby:knock': NoFields,
  'lobby:cancel': NoFields,
  'lobby:admit': Type.Object({ participantId: Id }, { additionalProperties: false }),
  'lobby:admitAll': NoFields,
  'lobby:deny': Type.Object({ participantId: Id, reason: Type.Optional(Reason) }, { additionalProperties: false }),

  // Moderation: every one of these is checked against the caller's role on the server.
  'moderation:grant': Type.Object({ participantId: Id }, { additionalProperties: false }),
  'moderation:renounce': NoFields,
  /** `waitingRoom`: also switch the waiting room on, in the same step (a removed person cannot slip back in between). */
  'moderation:kick': Type.Object({ participantId: Id, reason: Type.Optional(Reason), waitingRoom: Type.Optional(Type.Literal(true)) }, { additionalProperties: false }),
  'moderation:mute': Type.Object({ participantId: Id, kind: Kind }, { additionalProperties: false }),
  'moderation:muteAll': Type.Object({ kind: Kind }, { additionalProperties: false }),
  'moderation:allow': Type.Object({ participantId: Id, kind: Kind, allowed: Type.Boolean() }, { additionalProperties: false }),
  'moderation:askToUnmute': Type.Object({ participantId: Id, kind: Kind }, { additionalProperties: false }),
  'moderation:settings': Type.Object(
    {
      waitingRoom: Type.Optional(Type.Boolean()),
      passwordSkipsWaitingRoom: Type.Optional(Type.Boolean()),
      startMuted: Type.Optional(Type.Boolean()),
      startCameraOff: Type.Optional(Type.Boolean()),
      reactionSounds: Type.Optional(Type.Boolean()),
      audioModeration: Type.Optional(Type.Boolean()),
      videoModeration: Type.Optional(Type.Boolean()),
      followMe: Type.Optional(Type.Boolean()),
      recordLayout: Type.Optional(Type.Boolean()),
      layout: Type.Optional(LayoutSchema),
    },
    { additionalProperties: false, minProperties: 1 },
  ),
  /** Everyone back to the moderator's layout ("force compliance"); turns follow-me on. */
  'moderation:pushLayout': NoFields,
  /** Ends the meeting for everyone (recording and streaming stop with it). */
  'moderation:endMeeting': NoFields,
  /** Lowers someone's raised hand. */
  'moderation:lowerHand': Type.Object({ participantId: Id }, { additionalProperties: false }),
  'moderation:setPassword': Type.Object(
    { password: Type.Union([Type.String({ minLength: 1, maxLength: LIMITS.passwordChars }), Type.Null()]) },
    { additionalProperties: false },
  ),

  // Breakout rooms. Moves are made by the server: a moderator assigns
  // (roomId null = the main room); a participant may pick a room only while
  // the moderator lets participants choose.
  'breakout:create': Type.Object({ name: Type.Optional(RoomName) }, { additionalProperties: false }),
  'breakout:rename': Type.Object({ roomId: Id, name: RoomName }, { additionalProperties: false }),
  'breakout:remove': Type.Object({ roomId: Id }, { additionalProperties: false }),
  'breakout:assign': Type.Object({ participantId: Id, roomId: Type.Union([Id, Type.Null()]) }, { additionalProperties: false }),
  'breakout:autoAssign': NoFields,
  'breakout:join': Type.Object({ roomId: Type.Union([Id, Type.Null()]) }, { additionalProperties: false }),
  'breakout:settings': Type.Object({ participantsChoose: Type.Boolean() }, { additionalProperties: false }),
  'breakout:timer': Type.Object(
    { seconds: Type.Union([Type.Integer({ minimum: 1, maximum: LIMITS.breakoutTimerMaxSeconds }), Type.Null()]) },
    { additionalProperties: false },
  ),
  'breakout:broadcast': Type.Object({ text: Type.String({ minLength: 1, maxLength: LIMITS.talkBytes }) }, { additionalProperties: false }),
  'breakout:close': Type.Object({ roomId: Id }, { additionalProperties: false }),
  'breakout:closeAll': NoFields,

  // Recording and live streaming: moderators only (checked on the server).
  'capture:start': Type.Object(
    {
      kind: CaptureKindSchema,
      layout: Type.Optional(CaptureLayoutSchema),
      /** Streams: keep it as a recording of the meeting once it ends (otherwise it is deleted then). */
      keep: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  'capture:stop': Type.Object({ kind: CaptureKindSchema }, { additionalProperties: false }),

  // Drawing on shared screens and the whiteboard (protocol/src/drawing.ts).
  ...DrawPayloads,
} as const;

/**
 * The recorder's own namespace (/recorder): a recorder process, holding
 * the token of one capture job, asks the SFU for plain RTP of the meeting's
 * producers and reports progress. Never reachable with a participant token
 * (and participants' events are unknown there).
 */
export const RecorderPayloads = {
  'recorder:attach': NoFields,
  'recorder:consume': Type.Object(
    {
      producerId: Id,
      // Where the SFU sends this stream: the recorder's own address.
      ip: Type.String({ maxLength: 45, pattern: '^[0-9a-fA-F.:]+$' }),
      port: Type.Integer({ minimum: 1024, maximum: 65535 }),
      rtcpPort: Type.Integer({ minimum: 1024, maximum: 65535 }),
    },
    { additionalProperties: false },
  ),
  'recorder:release': Type.Object({ consumerId: Id }, { additionalProperties: false }),
  'recorder:keyframe': Type.Object({ consumerId: Id }, { additionalProperties: false }),
  'recorder:progress': Type.Object(
    {
      state: Type.Union([Type.Literal('starting'), Type.Literal('live'), Type.Literal('finishing')]),
      /** Seconds of media written so far (all parts). */
      seconds: Type.Number({ minimum: 0, maximum: 1e7 }),
      bytes: Type.Integer({ minimum: 0 }),
      segments: Type.Integer({ minimum: 0 }),
      /** Segments written but not yet in the drive (storage unreachable). */
      pending: Type.Integer({ minimum: 0 }),
      /** Epoch ms when the first media was written (the recorded time starts there). */
      mediaStartedAt: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    },
    { additionalProperties: false },
  ),
  'recorder:finished': Type.Object(
    {
      /** The drive key of the finished file (recordings) or null (streams). */
      key: Type.Union([Type.String({ maxLength: 512 }), Type.Null()]),
      seconds: Type.Number({ minimum: 0, maximum: 1e7 }),
      bytes: Type.Integer({ minimum: 0 }),
      error: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]),
    },
    { additionalProperties: false },
  ),
} as const;

/** Every payload the server checks, whichever namespace it arrives on. */
export const AllPayloads = { ...Payloads, ...RecorderPayloads, ...ChatPayloads };
export type PayloadName = keyof typeof AllPayloads;
export type PayloadOf<E extends PayloadName> = Type.Static<(typeof AllPayloads)[E]>;
/** Events of the participants' namespace. */
export type ParticipantPayloadName = keyof typeof Payloads;
export type CreateMeetingBody = Type.Static<typeof CreateMeetingBody>;
export type JoinMeetingBody = Type.Static<typeof JoinMeetingBody>;
export type RtpCapabilitiesWire = Type.Static<typeof RtpCapabilitiesSchema>;
export type RtpParametersWire = Type.Static<typeof RtpParametersSchema>;
export type DtlsParametersWire = Type.Static<typeof DtlsParametersSchema>;
export type Layout = Type.Static<typeof LayoutSchema>;
export type CaptureKind = Type.Static<typeof CaptureKindSchema>;
export type CaptureLayout = Type.Static<typeof CaptureLayoutSchema>;
