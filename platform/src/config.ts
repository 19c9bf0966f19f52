// The settings every Parley process reads alike (the server nodes, the
// recorders, the bots): where data and the drive are, the shared secret,
// Redis and the queues' names. README lists every variable. The server
// reads the rest of its settings in server/src/config.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StartupError } from './startup-error.ts';

export interface PlatformConfig {
  /** The server's HTTP port (the others reach it there by default). */
  port: number;
  /** Base URL of links; unset: the address each request came on. */
  publicUrl: string | undefined;
  dataDir: string;
  /** HMAC key for tokens; every process of a cluster needs the same. */
  secret: string;
  /** Unset: one node, no queues (no recorders, no bots). */
  redisUrl: string | undefined;
  logLevel: string;
  /** Where recordings, live streams and attachments are stored. */
  drive: DriveConfig;
  /** The BullMQ queue shared by the server and the recorders. */
  captureQueueName: string;
  bots: {
    /** The BullMQ queue of bot jobs (Euria's welcomes and agendas), shared with the bots process. */
    queueName: string;
    /** The BullMQ queue whose job scheduler runs the daily agendas' minute tick on the server nodes. */
    agendaQueueName: string;
    /** Euria's token; derived from the secret unless set. */
    euriaToken: string;
  };
}

export type DriveConfig =
  | { kind: 'local'; dir: string }
  | {
      kind: 's3';
      endpoint: string | undefined;
      region: string;
      bucket: string;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      forcePathStyle: boolean;
      prefix: string;
    };

export function driveFromEnv(dataDir: string): DriveConfig {
  const kind = env('DRIVE') ?? 'local';
  if (kind === 'local') return { kind, dir: path.resolve(env('DRIVE_DIR') ?? path.join(dataDir, 'drive')) };
  if (kind !== 's3') throw new StartupError(`DRIVE must be local|s3, got "${kind}"`);
  const bucket = env('S3_BUCKET');
  if (!bucket) throw new StartupError('DRIVE=s3 needs S3_BUCKET');
  const prefix = env('S3_PREFIX') ?? '';
  if (prefix !== '' && !/^([A-Za-z0-9_-][A-Za-z0-9._-]*\/)+$/.test(prefix)) throw new StartupError('S3_PREFIX must be folders ending with "/", e.g. parley/');
  return {
    kind,
    endpoint: env('S3_ENDPOINT'),
    region: env('S3_REGION') ?? 'us-east-1',
    bucket,
    accessKeyId: env('S3_ACCESS_KEY_ID'),
    secretAccessKey: env('S3_SECRET_ACCESS_KEY'),
    forcePathStyle: env('S3_FORCE_PATH_STYLE') === '1',
    prefix,
  };
}

/** A setting, or undefined when unset or empty. */
export const env = (name: string): string | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
};

export function int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new StartupError(`${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, got "${raw}"`);
  }
  return n;
}

/** A persisted random secret, so tokens survive a restart of a single node. */
export function loadSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = crypto.randomBytes(32).toString('base64url');
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

/** A bot's token when the operator sets none: derived from the secret, so every node and the bots process agree. */
export function botToken(secret: string, bot: string): string {
  return crypto.createHmac('sha256', secret).update(`parley-bot-token:${bot}`).digest('base64url');
}

/** What every process reads of the environment (`secret`: the server's override when embedded). */
export function platformConfigFromEnv(opts: { secret?: string } = {}): PlatformConfig {
  const dataDir = path.resolve(env('DATA_DIR') ?? 'data');
  const secret = env('PARLEY_SECRET') ?? opts.secret ?? loadSecret(dataDir);
  return {
    port: int('PORT', 3000),
    publicUrl: env('PUBLIC_URL')?.replace(/\/+$/, ''),
    dataDir,
    secret,
    redisUrl: env('REDIS_URL'),
    logLevel: env('LOG_LEVEL') ?? 'info',
    drive: driveFromEnv(dataDir),
    captureQueueName: env('CAPTURE_QUEUE') ?? 'parley-capture',
    bots: {
      queueName: env('BOTS_QUEUE') ?? 'parley-bots',
      agendaQueueName: env('AGENDA_QUEUE') ?? 'parley-agenda',
      euriaToken: env('EURIA_TOKEN') ?? botToken(secret, 'euria'),
    },
  };
}
