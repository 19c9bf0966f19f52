// Hand-made RTP parameters, as a browser's mediasoup-client would send them,
// so the media plane can be exercised against a real worker without a browser.
// Shared by the sfu and server tests, with a test configuration for the pool.
import { pino } from 'pino';
import type { RtpCapabilitiesWire, RtpParametersWire } from '@parley/protocol';
import { defaultSfuConfig, type SfuConfig } from '../src/index.ts';

const VIDEO_FEEDBACK = [
  { type: 'goog-remb' },
  { type: 'transport-cc' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
];

/** VP8 with three simulcast encodings, told apart by ssrc (or by rid when `rid` is set). */
export function vp8Simulcast(opts: { ssrc?: number; rid?: boolean; cname?: string } = {}): RtpParametersWire {
  const ssrc = opts.ssrc ?? 111_000;
  const layers = [0, 1, 2];
  return {
    mid: '0',
    codecs: [
      { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: VIDEO_FEEDBACK },
      { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 } },
    ],
    headerExtensions: [
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 },
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id', id: 2 },
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id', id: 3 },
      { uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', id: 4 },
    ],
    encodings: layers.map((i) => ({
      ...(opts.rid ? { rid: `r${i}` } : { ssrc: ssrc + i, rtx: { ssrc: ssrc + 10 + i } }),
      scalabilityMode: 'L1T3',
      scaleResolutionDownBy: 2 ** (2 - i),
      maxBitrate: [150_000, 500_000, 1_500_000][i]!,
    })),
    rtcp: { cname: opts.cname ?? 'test-cname', reducedSize: true },
  };
}

/** Opus from a microphone, one ssrc. */
export function opus(opts: { ssrc?: number; cname?: string } = {}): RtpParametersWire {
  return {
    mid: '1',
    codecs: [
      { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1, usedtx: 1 }, rtcpFeedback: [{ type: 'transport-cc' }] },
    ],
    headerExtensions: [
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 },
      { uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: 10 },
    ],
    encodings: [{ ssrc: opts.ssrc ?? 222_000 }],
    rtcp: { cname: opts.cname ?? 'test-cname', reducedSize: true },
  };
}

/** A receiver that can only decode audio (a consumer of video is refused with CANNOT_CONSUME). */
export function audioOnly(caps: RtpCapabilitiesWire): RtpCapabilitiesWire {
  return {
    codecs: (caps.codecs ?? []).filter((c) => c.kind === 'audio'),
    headerExtensions: (caps.headerExtensions ?? []).filter((h) => h.kind === 'audio'),
  };
}

/** DTLS parameters as a browser sends them in media:connect (role client, a sha-256 fingerprint). */
export function dtlsClient(): { role: 'client'; fingerprints: { algorithm: string; value: string }[] } {
  const bytes = Array.from({ length: 32 }, (_, i) => ((i * 37 + 11) & 0xff).toString(16).padStart(2, '0').toUpperCase());
  return { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: bytes.join(':') }] };
}

// ---- a pool and a logger for tests -------------------------------------------
export const testLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Workers on loopback, on free ports. */
export function testSfuConfig(overrides: Partial<SfuConfig> = {}): SfuConfig {
  return {
    ...defaultSfuConfig(),
    workers: 2,
    listenIp: '127.0.0.1',
    port: 0,
    logLevel: 'warn',
    workerBin: process.env.MEDIASOUP_WORKER_BIN,
    ...overrides,
  };
}

/** The next value passed to a listener registered by `subscribe` (which returns its unsubscribe). */
export function nextValue<T>(subscribe: (fn: (value: T) => void) => () => void, timeoutMs = 10_000, what = 'event'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const off = subscribe((value) => {
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}
