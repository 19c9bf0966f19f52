// Entry point of one server node: read the environment, start, stop cleanly.
import { configFromEnv, type ServerConfig } from './config.ts';
import { createParley, type Parley } from './app.ts';
import { explainStartupError } from './lib/startup.ts';
import { createLogger, stopOnSignals } from '@parley/platform';

/** An operator's mistake is said in a sentence (exit 1); anything else keeps its stack trace. */
function cannotStart(error: unknown, config?: ServerConfig): never {
  const said = explainStartupError(error, {
    host: config?.host ?? process.env.HOST ?? '0.0.0.0',
    port: config?.port ?? Number(process.env.PORT ?? 3000),
    mediaPort: config?.sfu.port ?? Number(process.env.MEDIA_PORT ?? 40000),
    mediaWorkers: config?.sfu.workers ?? 1,
  });
  if (!said) throw error;
  console.error(`\n  Parley cannot start: ${said}\n`);
  process.exit(1);
}

let config: ServerConfig;
try {
  config = configFromEnv();
} catch (error) {
  cannotStart(error);
}
const log = createLogger(config.logLevel);
let parley: Parley;
try {
  parley = await createParley(config, { logger: log });
} catch (error) {
  cannotStart(error, config);
}
const shown = config.publicUrl ?? parley.url;
log.info({ url: shown, workers: parley.pool.workers.length }, 'Parley is ready');
console.log(`\n  Parley is running: ${shown}\n`);
if (!config.publicUrl) console.log('  PUBLIC_URL is not set: fine on a laptop or a LAN; set it for production (links in e-mails use it).\n');

stopOnSignals(log, () => parley.close());
