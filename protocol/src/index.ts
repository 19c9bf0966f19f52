export * from './ids.ts';
export * from './errors.ts';
export * from './limits.ts';
export * from './schemas.ts';
export * from './events.ts';
export * from './emitter.ts';
export * from './chat.ts';
export * from './calendar.ts';
