// What an error may carry into the logs. Database drivers attach the failed
// statement's values to their errors (PGlite: `params`), and those values
// can be a password hash, a token's hash or someone's message: the logs get
// the statement and the driver's message, never the values.
import { stdSerializers } from 'pino';

/** Fields of an error (or its causes) that hold a statement's or a request's values. */
const VALUE_FIELDS = ['params', 'parameters', 'queryOptions', 'values', 'body', 'payload'];

export function errWithoutValues(error: unknown): unknown {
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null)) return error;
  const out = stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  strip(out, 0);
  return out;
}

function strip(value: unknown, depth: number): void {
  if (!value || typeof value !== 'object' || depth > 5) return;
  const obj = value as Record<string, unknown>;
  for (const field of VALUE_FIELDS) delete obj[field];
  strip(obj.cause, depth + 1);
  if (Array.isArray(obj.errors)) for (const e of obj.errors.slice(0, 20)) strip(e, depth + 1);
}
