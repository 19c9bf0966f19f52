// What other processes of Parley (the recorder) take from the server
// package, without its HTTP and media stack: the drive, the configuration
// that names it (and the capture queue), the Redis connection helper and the
// entry points' signal handling. Imported as @parley/server/shared.
export { configFromEnv, type ServerConfig } from './config.ts';
export { createDrive, LocalDrive, readDriveJson, S3Drive, type Drive, type DriveObject } from './drive/index.ts';
export { connectRedis } from './redis.ts';
export { stopOnSignals } from './process.ts';
