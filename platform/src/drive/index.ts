import type { DriveConfig } from '../config.ts';
import type { Drive } from './Drive.ts';
import { LocalDrive } from './LocalDrive.ts';
import { S3Drive } from './S3Drive.ts';

export { checkKey, dispositionName, DriveNotFound, readDriveJson, type ByteRange, type Drive, type DriveObject, type PutOptions } from './Drive.ts';
export { LocalDrive } from './LocalDrive.ts';
export { S3Drive } from './S3Drive.ts';

/** The configured drive; `baseUrl` is where local share links point (this server). */
export function createDrive(config: DriveConfig, secret: string, baseUrl: () => string): Drive & { close?: () => void } {
  if (config.kind === 'local') return new LocalDrive({ root: config.dir, secret, baseUrl });
  return new S3Drive({
    endpoint: config.endpoint,
    region: config.region,
    bucket: config.bucket,
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    forcePathStyle: config.forcePathStyle,
    prefix: config.prefix,
  });
}
