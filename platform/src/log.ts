// What an error may carry into the logs. Database drivers attach the failed
// statement's values to their errors (PGlite: `params`; PostgreSQL's
// `detail`: "Key (email)=(…)", "Failing row contains (…)"), and those values
// can be a password hash, a token's hash or someone's message. So an error is
// logged by an allowlist: what it is and where it failed, never the values.
import { pino, stdSerializers, type Logger } from 'pino';

/** Fields an error (or its cause) keeps in a log line. */
const KEPT = new Set(['type', 'name', 'message', 'stack', 'code', 'errno', 'syscall', 'statusCode', 'severity', 'routine', 'constraint', 'table', 'column', 'schema', 'query', 'cause', 'aggregateErrors']);

export function errWithoutValues(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  return keep(stdSerializers.err(error as Error) as unknown as Record<string, unknown>, 0);
}

function keep(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!KEPT.has(k)) continue;
    if ((k === 'cause' || k === 'aggregateErrors') && depth >= 5) continue;
    if (k === 'cause' && v && typeof v === 'object') out[k] = keep(v as Record<string, unknown>, depth + 1);
    else if (k === 'aggregateErrors' && Array.isArray(v)) out[k] = v.slice(0, 20).map((e) => (e && typeof e === 'object' ? keep(e as Record<string, unknown>, depth + 1) : e));
    else out[k] = v;
  }
  return out;
}

/** The logger of every Parley process: errors by the allowlist above, tokens never written. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    serializers: { err: errWithoutValues },
    // Tokens identify people: never write them to logs.
    redact: { paths: ['token', '*.token', 'moderatorToken', '*.moderatorToken', 'req.headers.authorization', 'auth.token'], censor: '[redacted]' },
  }, destination);
}
