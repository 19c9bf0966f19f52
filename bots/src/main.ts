// Entry point of the bots process: Euria takes jobs from the bots queue and
// talks to the server over /chat with its own token (see README: BOTS_QUEUE,
// EURIA_TOKEN, BOTS_SERVER_URL).
import { createLogger, platformConfigFromEnv, stopOnSignals } from '@parley/platform';
import { Euria } from './Euria.ts';

const config = platformConfigFromEnv();
const log = createLogger(config.logLevel).child({ module: 'bots' });
if (!config.redisUrl) {
  log.fatal('REDIS_URL is required: bots take their jobs from the queue on Redis');
  process.exit(1);
}
const serverUrl = (process.env.BOTS_SERVER_URL || `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');
const euria = new Euria({ serverUrl, token: config.bots.euriaToken, redisUrl: config.redisUrl, queueName: config.bots.queueName, log }).start();
log.info({ pid: process.pid, serverUrl }, 'bots ready');
console.log(`bots ready pid=${process.pid}`);
stopOnSignals(log, () => euria.close());
