// Real WebRTC endpoints for the load generators: werift (pure TypeScript
// ICE + DTLS + SRTP), configured like a browser receiving VP8 from mediasoup
// (NACK, PLI, transport-cc, RTX, mid/abs-send-time/transport-wide-cc).
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtcpSrPacket,
  useAbsSendTime,
  useNACK,
  usePLI,
  useSdesMid,
  useTransportWideCC,
  useTWCC,
  type PeerConfig,
} from 'werift';
import type { types } from 'mediasoup';
import { takeOverRtp, type FastReceiveCounters } from './fast-receive.ts';
import { consumerOffer, localDtls, producerAnswer, sendParameters } from './sdp.ts';
import type { MediaSignaling } from './signaling.ts';

const FEEDBACK = new Set(['nack', 'nack pli', 'transport-cc']);
const EXTENSIONS = new Set<string>([useSdesMid().uri, useAbsSendTime().uri, useTransportWideCC().uri]);

function peerConfig(): Partial<PeerConfig> {
  return {
    codecs: {
      audio: [],
      video: [
        new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, rtcpFeedback: [useNACK(), usePLI(), useTWCC()] }),
        new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: 97, parameters: 'apt=96' }),
      ],
    },
    headerExtensions: { audio: [], video: [useSdesMid(), useAbsSendTime(), useTransportWideCC()] },
    iceServers: [],
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
  };
}

/** What this peer can receive, as mediasoup capabilities: the router's VP8 (+RTX) with what werift implements. */
export function clientCapabilities(router: types.RtpCapabilities): types.RtpCapabilities {
  const vp8 = router.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
  if (!vp8) throw new Error('router has no VP8');
  const codecs = (router.codecs ?? [])
    .filter((c) => c === vp8 || (c.mimeType.toLowerCase() === 'video/rtx' && c.parameters?.apt === vp8.preferredPayloadType))
    .map((c) => ({ ...c, rtcpFeedback: (c.rtcpFeedback ?? []).filter((f) => FEEDBACK.has(f.parameter ? `${f.type} ${f.parameter}` : f.type)) }));
  const headerExtensions = (router.headerExtensions ?? []).filter((e) => e.kind === 'video' && EXTENSIONS.has(e.uri));
  return { codecs, headerExtensions };
}

async function connected(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.connectionState === 'connected') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`WebRTC not connected after ${timeoutMs} ms (${pc.connectionState})`)), timeoutMs);
    const { unSubscribe } = pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        clearTimeout(timer);
        unSubscribe();
        resolve();
      } else if (state === 'failed' || state === 'closed') {
        clearTimeout(timer);
        unSubscribe();
        reject(new Error(`WebRTC ${state}`));
      }
    });
  });
}

export interface SenderReport {
  /** Local arrival, ms since epoch. */
  at: number;
  /** The SFU's send time (NTP seconds) and its count of RTP packets sent on this stream. */
  ntp: number;
  packets: number;
  /** Packets this receiver had received when the report arrived (the report follows them on the wire). */
  received: number;
}

/** One person watching the camera: a peer connection with one consumer. */
export class Receiver {
  readonly pc: RTCPeerConnection;
  readonly sig: MediaSignaling;
  /** RTP packets delivered to the track (after SRTP, RTX unwrapped). */
  received = 0;
  firstPacketAt: number | undefined;
  readonly reports: SenderReport[] = [];
  fast: FastReceiveCounters | undefined;

  private constructor(sig: MediaSignaling) {
    this.sig = sig;
    this.pc = new RTCPeerConnection(peerConfig());
  }

  static async start(sig: MediaSignaling, opts: { timeoutMs?: number; fast?: boolean } = {}): Promise<Receiver> {
    const r = new Receiver(sig);
    try {
      const caps = clientCapabilities(await sig.routerCapabilities());
      const { transport, cameras } = await sig.open('recv', caps);
      const consumer = await sig.consume(transport.id, cameras[0], caps);
      r.pc.onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe(() => {
          r.received += 1;
          r.firstPacketAt ??= Date.now();
        });
        track.onReceiveRtcp.subscribe((p) => {
          if (p instanceof RtcpSrPacket) {
            const ntp = p.senderInfo.ntpTimestamp;
            r.reports.push({
              at: Date.now(),
              ntp: Number(ntp >> 32n) + Number(ntp & 0xffffffffn) / 2 ** 32,
              packets: p.senderInfo.packetCount,
              received: r.received,
            });
          }
        });
      });
      await r.pc.setRemoteDescription({ type: 'offer', sdp: consumerOffer(transport, consumer.rtpParameters) });
      await r.pc.setLocalDescription(await r.pc.createAnswer());
      await sig.connect(transport.id, localDtls(r.pc.localDescription!.sdp));
      await connected(r.pc, opts.timeoutMs ?? 20_000);
      if (opts.fast !== false) {
        r.fast = takeOverRtp(r.pc, r.pc.getReceivers()[0]!, consumer.rtpParameters, () => {
          r.received += 1;
          r.firstPacketAt ??= Date.now();
        });
      }
      await sig.resume(consumer.id);
      return r;
    } catch (error) {
      await r.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    this.sig.close();
    await this.pc.close().catch(() => undefined);
  }
}

/** The camera: a peer connection sending whatever RTP is written to `track`. */
export class Sender {
  readonly pc: RTCPeerConnection;
  readonly track = new MediaStreamTrack({ kind: 'video' });
  readonly sig: MediaSignaling;
  producerId = '';

  private constructor(sig: MediaSignaling) {
    this.sig = sig;
    this.pc = new RTCPeerConnection(peerConfig());
  }

  static async start(sig: MediaSignaling, height?: number): Promise<Sender> {
    const s = new Sender(sig);
    try {
      const caps = clientCapabilities(await sig.routerCapabilities());
      const { transport } = await sig.open('send', caps);
      s.pc.addTransceiver(s.track, { direction: 'sendonly' });
      await s.pc.setLocalDescription(await s.pc.createOffer());
      const sdp = s.pc.localDescription!.sdp;
      const rtp = sendParameters(sdp);
      await sig.connect(transport.id, localDtls(sdp));
      s.producerId = await sig.produce(transport.id, rtp, height);
      await s.pc.setRemoteDescription({ type: 'answer', sdp: producerAnswer(transport, rtp) });
      await connected(s.pc, 20_000);
      return s;
    } catch (error) {
      await s.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    this.sig.close();
    await this.pc.close().catch(() => undefined);
  }
}
