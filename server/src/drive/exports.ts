// What other processes of Parley (the recorder) take from the server
// package: the drive, the configuration that names it, the capture queue's
// name (in the configuration) and the Redis connection helper. Imported as @parley/server/drive.
export { configFromEnv, type ServerConfig } from '../config.ts';
export { createDrive, LocalDrive, S3Drive, type Drive, type DriveObject } from './index.ts';
export { connectRedis } from '../redis.ts';
