export { defaultSfuConfig, MEDIA_CODECS, routerRtpCapabilities, type SfuConfig } from './config.ts';
export { MediaWorker, MediaUnavailable, WorkerPool, type WorkerPoolEvents } from './WorkerPool.ts';
export { MediaRoom, type MediaRoomEvents, type RouterSlot } from './MediaRoom.ts';
export { checkRtpCapabilities, MediaPeer, type MediaPeerEvents, type ProducerAppData } from './MediaPeer.ts';
export * from './errors.ts';
export { MediaSink, type PlainTarget } from './MediaSink.ts';
