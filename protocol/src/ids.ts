// Branded ids: a ProducerId cannot be passed where a ConsumerId is expected,
// even though both travel as strings on the wire.
import Type from 'typebox';

/** Any id as it travels in a path or a payload: the one schema every contract checks ids with. */
export const IdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type MeetingId = Brand<string, 'MeetingId'>;
export type ParticipantId = Brand<string, 'ParticipantId'>;
export type TransportId = Brand<string, 'TransportId'>;
export type ProducerId = Brand<string, 'ProducerId'>;
export type ConsumerId = Brand<string, 'ConsumerId'>;
export type MessageId = Brand<string, 'MessageId'>;
/** A breakout room of one meeting; `null` where a RoomId is expected means the main room. */
export type RoomId = Brand<string, 'RoomId'>;
