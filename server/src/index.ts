export { createParley, type Parley, type ParleyOptions } from './app.ts';
export { createLogger } from '@parley/platform';
export { configFromEnv, type ServerConfig } from './config.ts';
export { Meeting, Participant } from './meet/Meeting.ts';
export { Meetings } from './meet/Meetings.ts';
export { MemoryMeetingStore, RedisMeetingStore, type MeetingStore, type MeetingRecord } from './store/meetings.ts';
export { TokenSigner, randomId } from './auth/tokens.ts';
export { connectRedis } from '@parley/platform';
