import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError, type ErrorCode } from '@parley/protocol';
import { isRefusedText } from '../store/db.ts';

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_PAYLOAD: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  MEETING_NOT_FOUND: 404,
  RECORDING_NOT_FOUND: 404,
  RATE_LIMITED: 429,
  MEETING_FULL: 409,
  LOBBY_FULL: 409,
  MEDIA_UNAVAILABLE: 503,
  NOT_MODERATOR: 403,
  CAPTURE_UNAVAILABLE: 503,
  EMAIL_TAKEN: 409,
  USERNAME_TAKEN: 409,
  INVALID_CREDENTIALS: 401,
  WEAK_PASSWORD: 400,
  RESET_INVALID: 410,
  ORG_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  INVITATION_INVALID: 410,
  LAST_LEGAL_REPRESENTATIVE: 409,
  CHANNEL_NOT_FOUND: 404,
  NOT_A_MEMBER: 403,
  CHANNEL_NAME_TAKEN: 409,
  TEAM_NOT_FOUND: 404,
  TEAM_NAME_TAKEN: 409,
  MESSAGE_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  CALENDAR_NOT_FOUND: 404,
  EVENT_NOT_FOUND: 404,
  MEETING_ROOM_NOT_FOUND: 404,
  ROOM_BUSY: 409,
  PLAN_LIMIT: 409,
  INVALID_TIME: 400,
  INVALID_RECURRENCE: 400,
  INVALID_ICS: 400,
  TOO_COMPLEX: 422,
  BUSY: 503,
  APP_PASSWORD_NOT_FOUND: 404,
  ADDRESS_BOOK_NOT_FOUND: 404,
  CONTACT_NOT_FOUND: 404,
  TOO_MANY: 409,
  INVALID_IMPORT: 400,
  PRECONDITION_FAILED: 412,
  UID_CONFLICT: 409,
  INVALID_SYNC_TOKEN: 403,
};

/** The HTTP status a code is answered with. */
export const statusOf = (code: ErrorCode): number => STATUS[code] ?? 500;

export function sendError(reply: { code(n: number): { send(b: unknown): unknown } }, code: ErrorCode, message: string) {
  return reply.code(statusOf(code)).send({ ok: false, error: { code, message } });
}

/** Every HTTP error leaves in the same `{ ok: false, error: { code, message } }` shape as socket acks. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) return sendError(reply, error.code, error.message);
    if (error.validation || error.code === 'FST_ERR_VALIDATION') return sendError(reply, 'INVALID_PAYLOAD', error.message);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 'PAYLOAD_TOO_LARGE', 'request body too large');
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Malformed JSON, unsupported content type...: the client's fault, said plainly.
      return sendError(reply, 'INVALID_PAYLOAD', error.message);
    }
    if (isRefusedText(error)) return sendError(reply, 'INVALID_PAYLOAD', 'the text contains a character that cannot be stored (a NUL or bytes that are not UTF-8)');
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 'INTERNAL', 'internal error');
  });
}
