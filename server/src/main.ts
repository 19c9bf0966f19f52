// Entry point of one server node: read the environment, start, stop cleanly.
import { configFromEnv } from './config.ts';
import { createLogger, createParley } from './app.ts';
import { stopOnSignals } from './process.ts';

const config = configFromEnv();
const log = createLogger(config.logLevel);
const parley = await createParley(config, { logger: log });
const shown = config.publicUrl ?? parley.url;
log.info({ url: shown, workers: parley.pool.workers.length }, 'Parley is ready');
console.log(`\n  Parley is running: ${shown}\n`);

stopOnSignals(log, () => parley.close());
