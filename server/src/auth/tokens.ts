// Participant tokens: HMAC-SHA256 over a small JSON claim set. A token binds
// a socket to one meeting and one participant id; the gateway takes identity
// from it and never from payloads.
import crypto from 'node:crypto';
import type { MeetingId, ParticipantId } from '@parley/protocol';

export interface ParticipantClaims {
  meetingId: MeetingId;
  participantId: ParticipantId;
  name: string;
  /** Issued to a moderator: by the meeting's moderator token or by the owner's account. */
  moderator: boolean;
  /**
   * What made it a moderator (see Meetings.grantFor): checked again at each
   * join, so a replaced moderator link or a removed co-moderator stops
   * working at once, not when the token expires.
   */
  grant?: string;
  /**
   * This browser's device cookie when the token was issued: a kick bans the
   * device too, so a fresh link from the same browser still has to knock.
   */
  device?: string;
  /** Expiry, ms since epoch. */
  exp: number;
}

const TOKEN_TTL_MS = 24 * 3600_000;

export class TokenSigner {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = crypto.createHash('sha256').update(`parley-participant-token:${secret}`).digest();
  }

  sign(claims: Omit<ParticipantClaims, 'exp'>, now = Date.now()): string {
    const body = Buffer.from(JSON.stringify({ ...claims, exp: now + TOKEN_TTL_MS })).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The claims of a valid, unexpired token; undefined for anything else. */
  verify(token: unknown, now = Date.now()): ParticipantClaims | undefined {
    const c = openSigned(this.#key, token, now) as Partial<ParticipantClaims> | undefined;
    if (!c || typeof c.meetingId !== 'string' || typeof c.participantId !== 'string' || typeof c.name !== 'string') return undefined;
    const device = typeof c.device === 'string' ? c.device : undefined;
    const grant = typeof c.grant === 'string' ? c.grant : undefined;
    return { meetingId: c.meetingId, participantId: c.participantId, name: c.name, moderator: c.moderator === true && grant !== undefined, exp: c.exp!, ...(device ? { device } : {}), ...(grant ? { grant } : {}) };
  }

  #mac(body: string): string {
    return crypto.createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}

/**
 * The JSON claims of `body.mac` when the MAC is right and `exp` is in the
 * future; undefined for anything else.
 */
function openSigned(key: Buffer, token: unknown, now: number): ({ exp: number } & Record<string, unknown>) | undefined {
  if (typeof token !== 'string' || token.length > 2048) return undefined;
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const body = token.slice(0, dot);
  // Compared as text, not as decoded bytes: base64url decoding ignores
  // stray characters and the spare bits of the last one, so a different
  // string would otherwise pass for the issued token.
  const mac = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(crypto.createHmac('sha256', key).update(body).digest('base64url'));
  if (mac.length !== expected.length || !crypto.timingSafeEqual(mac, expected)) return undefined;
  try {
    const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { exp?: unknown } & Record<string, unknown>;
    if (typeof c !== 'object' || c === null || typeof c.exp !== 'number' || c.exp < now) return undefined;
    return c as { exp: number } & Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** 128 random bits, lowercase base32: unguessable and safe in a URL path. */
export function randomId(bytes = 16): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const buf = crypto.randomBytes(bytes);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('base64url');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** What a recorder token grants: plain RTP of one meeting, for one capture job. */
export interface RecorderClaims {
  captureId: string;
  meetingId: MeetingId;
  exp: number;
}

/**
 * Recorder tokens: the same HMAC scheme under another key, so a recorder
 * token is never a participant token (and the reverse), whichever socket
 * namespace it is shown to.
 */
export class RecorderTokens {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = crypto.createHash('sha256').update(`parley-recorder-token:${secret}`).digest();
  }

  sign(claims: Omit<RecorderClaims, 'exp'>, ttlMs: number, now = Date.now()): string {
    const body = Buffer.from(JSON.stringify({ ...claims, exp: now + ttlMs })).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  verify(token: unknown, now = Date.now()): RecorderClaims | undefined {
    const c = openSigned(this.#key, token, now) as Partial<RecorderClaims> | undefined;
    if (!c || typeof c.captureId !== 'string' || typeof c.meetingId !== 'string') return undefined;
    return { captureId: c.captureId, meetingId: c.meetingId, exp: c.exp! };
  }

  #mac(body: string): string {
    return crypto.createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}
