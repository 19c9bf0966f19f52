// What every Parley process (server nodes, recorders, bots) stands on,
// without the server's HTTP, media and domain: the settings they share, the
// drive, Redis, logging and the end of an entry point. The workers depend on
// this package, never on @parley/server.
export { botToken, driveFromEnv, env, int, loadSecret, platformConfigFromEnv, type DriveConfig, type PlatformConfig } from './config.ts';
export { checkKey, createDrive, dispositionName, DriveNotFound, LocalDrive, readDriveJson, S3Drive, type ByteRange, type Drive, type DriveObject, type PutOptions } from './drive/index.ts';
export { createLogger, errWithoutValues } from './log.ts';
export { stopOnSignals } from './process.ts';
export { connectRedis } from './redis.ts';
export { StartupError } from './startup-error.ts';
