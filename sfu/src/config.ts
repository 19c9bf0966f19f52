import os from 'node:os';
import { ortc, type types } from 'mediasoup';

export interface SfuConfig {
  /** Number of mediasoup workers (one per core by default). */
  workers: number;
  /** IP the WebRtcServers listen on. */
  listenIp: string;
  /** Address put in ICE candidates (public IP or hostname behind NAT). */
  announcedAddress: string | undefined;
  /** Worker i listens on UDP and TCP port `port + i`; 0 picks free ports (tests). */
  port: number;
  /** A meeting spreads to another worker's router when a router has this many participants. */
  maxPeersPerRouter: number;
  logLevel: types.WorkerLogLevel;
  /** Path of the mediasoup-worker binary; mediasoup's own default when undefined. */
  workerBin: string | undefined;
  /** Per-transport starting estimate for downlink bandwidth, bits/s. */
  initialOutgoingBitrate: number;
  /** Cap on what one participant may send, bits/s. */
  maxIncomingBitrate: number;
}

export function defaultSfuConfig(): SfuConfig {
  return {
    workers: os.availableParallelism(),
    listenIp: '127.0.0.1',
    announcedAddress: undefined,
    port: 40000,
    maxPeersPerRouter: 60,
    logLevel: 'warn',
    workerBin: undefined,
    initialOutgoingBitrate: 1_000_000,
    maxIncomingBitrate: 4_000_000,
  };
}

// One codec set for every router, so the capabilities a client loads are the
// same on whichever worker it lands, and pipes between routers never transcode.
export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 800 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
];

let routerCaps: types.RtpCapabilities | undefined;
/**
 * The RTP capabilities every router has (they follow from MEDIA_CODECS alone),
 * so a client can load its Device before it joins, on the pre-join screen.
 */
export function routerRtpCapabilities(): types.RtpCapabilities {
  routerCaps ??= ortc.generateRouterRtpCapabilities(structuredClone(MEDIA_CODECS));
  return routerCaps;
}
