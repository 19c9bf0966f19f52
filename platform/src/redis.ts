import { Redis } from 'ioredis';

/** REDIS_URL accepts redis://, rediss:// and unix:///path/to/redis.sock. */
export function connectRedis(url: string, name: string, opts: { bullmq?: boolean } = {}): Redis {
  // BullMQ's blocking connections must retry forever (it says so at start).
  const common = { connectionName: `parley-${name}`, lazyConnect: !opts.bullmq, maxRetriesPerRequest: opts.bullmq ? null : 3 };
  if (url.startsWith('unix://')) return new Redis({ ...common, path: url.slice('unix://'.length) });
  return new Redis(url, common);
}
