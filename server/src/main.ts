// Entry point of one server node: read the environment, start, stop cleanly.
import { configFromEnv } from './config.ts';
import { createLogger, createParley } from './app.ts';

const config = configFromEnv();
const log = createLogger(config.logLevel);
const parley = await createParley(config, { logger: log });
const shown = config.publicUrl ?? parley.url;
log.info({ url: shown, workers: parley.pool.workers.length }, 'Parley is ready');
console.log(`\n  Parley is running: ${shown}\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    parley.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
// A bug in one request must not take every meeting down: log and keep serving.
process.on('uncaughtException', (error) => log.fatal({ err: error }, 'uncaught exception'));
process.on('unhandledRejection', (error) => log.error({ err: error }, 'unhandled rejection'));
