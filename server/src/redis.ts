import { Redis } from 'ioredis';

/** REDIS_URL accepts redis://, rediss:// and unix:///path/to/redis.sock. */
export function connectRedis(url: string, name: string): Redis {
  const common = { connectionName: `parley-${name}`, lazyConnect: true, maxRetriesPerRequest: 3 };
  if (url.startsWith('unix://')) return new Redis({ ...common, path: url.slice('unix://'.length) });
  return new Redis(url, common);
}
