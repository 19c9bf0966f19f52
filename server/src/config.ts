// Every setting is an environment variable; README lists them all. This file
// and @parley/platform's config (the settings every process shares) are the
// only places that read process.env for the server.
import os from 'node:os';
import path from 'node:path';
import { defaultSfuConfig, type SfuConfig } from '@parley/sfu';
import type { DatabaseConfig } from './store/db.ts';
import { parseTrustProxy } from './lib/client-address.ts';
import type { AccountLimits } from './accounts/Accounts.ts';
import { env, int, platformConfigFromEnv, StartupError, type DriveConfig, type PlatformConfig } from '@parley/platform';

export type { DriveConfig } from '@parley/platform';

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

export type BotsConfig = PlatformConfig['bots'];

export interface CaptureConfig {
  /** Cap on a live stream's length (24 h by default). */
  streamMaxSeconds: number;
  /** Cap on a recording's length. */
  recordingMaxSeconds: number;
  /** How recorders reach this node (its own URL by default: same machine). */
  serverUrl: string | undefined;
  /** The BullMQ queue shared with the recorders. */
  queueName: string;
  /** Meetings made outside any organization may be streamed live (LIVE_STREAMING=off forbids it). */
  streaming: boolean;
}

function firstLanAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
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
  const shared = platformConfigFromEnv({ secret: overrides.secret });
  const { dataDir, secret } = shared;
  const sfuDefaults = defaultSfuConfig();
  const listenIp = env('MEDIA_LISTEN_IP') ?? '0.0.0.0';
  // A wildcard listen address cannot go into ICE candidates: announce the LAN
  // address (or loopback on a machine without one) unless told otherwise.
  const announced = env('MEDIA_ANNOUNCED_ADDRESS') ?? (listenIp === '0.0.0.0' ? (firstLanAddress() ?? '127.0.0.1') : undefined);
  const logLevel = env('MEDIA_LOG_LEVEL') ?? 'warn';
  if (!['debug', 'warn', 'error', 'none'].includes(logLevel)) throw new StartupError(`MEDIA_LOG_LEVEL must be debug|warn|error|none`);
  const base: ServerConfig = {
    host: env('HOST') ?? '0.0.0.0',
    port: shared.port,
    publicUrl: shared.publicUrl,
    dataDir,
    secret,
    redisUrl: shared.redisUrl,
    clusterName: env('CLUSTER_NAME') ?? 'parley',
    webDist: env('WEB_DIST') ?? path.resolve(import.meta.dirname, '../../web/dist'),
    logLevel: shared.logLevel,
    meetingTtlDays: int('MEETING_TTL_DAYS', 30, 1),
    trustProxy: parseTrustProxy(env('TRUST_PROXY')),
    liveEmbedOrigins: liveEmbedOrigins(env('LIVE_EMBED_ORIGINS')),
    metricsToken: env('METRICS_TOKEN'),
    drive: shared.drive,
    capture: {
      // The seeds promise a live stream of at most 24 hours.
      streamMaxSeconds: int('STREAM_MAX_SECONDS', 24 * 3600, 10, 24 * 3600),
      recordingMaxSeconds: int('RECORDING_MAX_SECONDS', 12 * 3600, 10),
      serverUrl: env('RECORDER_SERVER_URL')?.replace(/\/+$/, ''),
      queueName: shared.captureQueueName,
      streaming: env('LIVE_STREAMING') !== 'off',
    },
    database: databaseFromEnv(dataDir),
    accountLimits: {},
    bots: shared.bots,
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
