// Every setting is an environment variable; README lists them all. This file
// is the only place that reads process.env for the server.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultSfuConfig, type SfuConfig } from '@parley/sfu';
import type { DatabaseConfig } from './store/db.ts';
import { parseTrustProxy } from './lib/client-address.ts';
import type { AccountLimits } from './accounts/Accounts.ts';
import { StartupError } from './lib/startup-error.ts';

export interface ServerConfig {
  host: string;
  port: number;
  /** Base URL put in meeting links; defaults to http://localhost:PORT. */
  publicUrl: string | undefined;
  dataDir: string;
  /** HMAC key for participant tokens; every node of a cluster needs the same. */
  secret: string;
  /** Unset: one node, meetings registered in memory, no Socket.IO adapter. */
  redisUrl: string | undefined;
  /**
   * Nodes on one Redis with the same name form one cluster (Socket.IO
   * broadcasts, node discovery); another name keeps another cluster apart.
   */
  clusterName: string;
  /** Built web client served at /; undefined serves no static files. */
  webDist: string | undefined;
  logLevel: string;
  /** Meetings nobody joined for this long are forgotten (Redis TTL). */
  meetingTtlDays: number;
  /**
   * The reverse proxies in front of Parley (addresses, CIDR ranges, or
   * loopback / linklocal / uniquelocal): their X-Forwarded-* headers decide
   * the client's address (and, without PUBLIC_URL, the links' host). Empty:
   * no header is believed.
   */
  trustProxy: string[];
  /**
   * Sites that may show the live viewer page (/live/<id>) in a frame (CSP
   * frame-ancestors: origins such as https://example.org, or *). Empty: none
   * but Parley itself; every other page may never be framed.
   */
  liveEmbedOrigins: string[];
  /** Bearer token that /metrics asks for; unset: /metrics answers loopback clients only. */
  metricsToken: string | undefined;
  /** Where recordings and live streams are stored. */
  drive: DriveConfig;
  capture: CaptureConfig;
  /** Accounts and team chat; undefined runs meetings only (no accounts, no chat). */
  database: DatabaseConfig | undefined;
  bots: BotsConfig;
  mail: MailConfig;
  sfu: SfuConfig;
  /**
   * Other rates than the accounts' own (ACCOUNT_LIMITS), for embedding and
   * tests that make many accounts at once; no environment variable sets it.
   */
  accountLimits: Partial<AccountLimits>;
}

export interface MailConfig {
  /** SMTP server the mail outbox is sent through; unset keeps mail in the mail_outbox table. */
  smtpUrl: string | undefined;
  /** The From of every mail. */
  from: string;
}

export interface BotsConfig {
  /** The BullMQ queue of bot jobs (Euria's welcomes and agendas), shared with the bots process. */
  queueName: string;
  /** The BullMQ queue whose job scheduler runs the daily agendas' minute tick on the server nodes. */
  agendaQueueName: string;
  /** Euria's token; derived from the secret unless set. */
  euriaToken: string;
}

export interface CaptureConfig {
  /** Cap on a live stream's length (24 h by default). */
  streamMaxSeconds: number;
  /** Cap on a recording's length. */
  recordingMaxSeconds: number;
  /** How recorders reach this node (its own URL by default: same machine). */
  serverUrl: string | undefined;
  /** The BullMQ queue shared with the recorders. */
  queueName: string;
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

const env = (name: string): string | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
};

function int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new StartupError(`${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, got "${raw}"`);
  }
  return n;
}

function firstLanAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
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

/** DATABASE_URL: a PostgreSQL server; otherwise PGlite in DATABASE_DIR; DATABASE=off: meetings only. */
export function databaseFromEnv(dataDir: string): DatabaseConfig | undefined {
  const url = env('DATABASE_URL');
  if (url) return { kind: 'postgres', url, poolSize: int('DATABASE_POOL_SIZE', 10, 1) };
  const kind = env('DATABASE') ?? 'pglite';
  if (kind === 'off') return undefined;
  if (kind !== 'pglite') throw new StartupError(`DATABASE must be pglite|off (or set DATABASE_URL), got "${kind}"`);
  return { kind: 'pglite', dir: path.resolve(env('DATABASE_DIR') ?? path.join(dataDir, 'pglite')) };
}

/** A bot's token when the operator sets none: derived from the secret, so every node and the bots process agree. */
export function botToken(secret: string, bot: string): string {
  return crypto.createHmac('sha256', secret).update(`parley-bot-token:${bot}`).digest('base64url');
}

/** LIVE_EMBED_ORIGINS: `*`, or origins (scheme://host[:port]) separated by commas. */
function liveEmbedOrigins(raw: string | undefined): string[] {
  if (!raw) return [];
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of list) {
    if (o === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    if (!url || url.origin !== o.replace(/\/$/, '') || !/^https?:$/.test(url.protocol)) throw new StartupError(`LIVE_EMBED_ORIGINS: "${o}" is not an origin such as https://example.org (or *)`);
  }
  return list.map((o) => o.replace(/\/$/, ''));
}

/** Checks SMTP_URL at start rather than at the first mail, hours later. */
function smtpUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StartupError('SMTP_URL must be a URL like smtp://user:password@host:587 or smtps://host:465');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new StartupError(`SMTP_URL must start with smtp:// or smtps://, got "${url.protocol}"`);
  return raw;
}

/** The domain of the default From: PUBLIC_URL's host, else this machine's name. */
function mailDomain(publicUrl: string | undefined): string {
  try {
    if (publicUrl) return new URL(publicUrl).hostname;
  } catch {
    // An invalid PUBLIC_URL is reported where it is used.
  }
  return os.hostname() || 'localhost';
}

export function configFromEnv(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const dataDir = path.resolve(env('DATA_DIR') ?? 'data');
  const secret = env('PARLEY_SECRET') ?? overrides.secret ?? loadSecret(dataDir);
  const sfuDefaults = defaultSfuConfig();
  const listenIp = env('MEDIA_LISTEN_IP') ?? '0.0.0.0';
  // A wildcard listen address cannot go into ICE candidates: announce the LAN
  // address (or loopback on a machine without one) unless told otherwise.
  const announced = env('MEDIA_ANNOUNCED_ADDRESS') ?? (listenIp === '0.0.0.0' ? (firstLanAddress() ?? '127.0.0.1') : undefined);
  const logLevel = env('MEDIA_LOG_LEVEL') ?? 'warn';
  if (!['debug', 'warn', 'error', 'none'].includes(logLevel)) throw new StartupError(`MEDIA_LOG_LEVEL must be debug|warn|error|none`);
  const base: ServerConfig = {
    host: env('HOST') ?? '0.0.0.0',
    port: int('PORT', 3000),
    publicUrl: env('PUBLIC_URL')?.replace(/\/+$/, ''),
    dataDir,
    secret,
    redisUrl: env('REDIS_URL'),
    clusterName: env('CLUSTER_NAME') ?? 'parley',
    webDist: env('WEB_DIST') ?? path.resolve(import.meta.dirname, '../../web/dist'),
    logLevel: env('LOG_LEVEL') ?? 'info',
    meetingTtlDays: int('MEETING_TTL_DAYS', 30, 1),
    trustProxy: parseTrustProxy(env('TRUST_PROXY')),
    liveEmbedOrigins: liveEmbedOrigins(env('LIVE_EMBED_ORIGINS')),
    metricsToken: env('METRICS_TOKEN'),
    drive: driveFromEnv(dataDir),
    capture: {
      // The seeds promise a live stream of at most 24 hours.
      streamMaxSeconds: int('STREAM_MAX_SECONDS', 24 * 3600, 10, 24 * 3600),
      recordingMaxSeconds: int('RECORDING_MAX_SECONDS', 12 * 3600, 10),
      serverUrl: env('RECORDER_SERVER_URL')?.replace(/\/+$/, ''),
      queueName: env('CAPTURE_QUEUE') ?? 'parley-capture',
    },
    database: databaseFromEnv(dataDir),
    accountLimits: {},
    bots: {
      queueName: env('BOTS_QUEUE') ?? 'parley-bots',
      agendaQueueName: env('AGENDA_QUEUE') ?? 'parley-agenda',
      euriaToken: env('EURIA_TOKEN') ?? botToken(secret, 'euria'),
    },
    mail: {
      smtpUrl: smtpUrl(env('SMTP_URL')),
      from: env('MAIL_FROM') ?? `Parley <parley@${mailDomain(env('PUBLIC_URL'))}>`,
    },
    sfu: {
      ...sfuDefaults,
      workers: int('MEDIA_WORKERS', sfuDefaults.workers, 1),
      listenIp,
      announcedAddress: announced,
      port: int('MEDIA_PORT', sfuDefaults.port),
      maxPeersPerRouter: int('MEDIA_MAX_PEERS_PER_ROUTER', sfuDefaults.maxPeersPerRouter, 1),
      logLevel: logLevel as SfuConfig['logLevel'],
      workerBin: env('MEDIASOUP_WORKER_BIN'),
      initialOutgoingBitrate: int('MEDIA_INITIAL_OUTGOING_BITRATE', sfuDefaults.initialOutgoingBitrate, 100_000),
      maxIncomingBitrate: int('MEDIA_MAX_INCOMING_BITRATE', sfuDefaults.maxIncomingBitrate, 100_000),
    },
  };
  return { ...base, ...overrides, capture: { ...base.capture, ...overrides.capture }, bots: { ...base.bots, ...overrides.bots }, mail: { ...base.mail, ...overrides.mail }, sfu: { ...base.sfu, ...overrides.sfu } };
}
