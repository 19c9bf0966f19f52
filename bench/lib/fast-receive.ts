// A faster RTP receive path for werift, for the load generators only.
//
// werift's own path costs ~130 us of CPU per received packet (an async hop
// per event layer, full header objects, a clone per packet): 200 viewers at
// ~120 packets/s each would need ~3 cores, more than this machine has for
// the viewers and the SFU together. Once a peer connection is up, this takes
// over the RTP packets of its (single) consumer at the UDP socket, right
// after werift's ICE layer would have received them, and does what werift
// does with them, directly:
//
//   - SRTP (AEAD_AES_128_GCM, the profile mediasoup and werift agree on):
//     every packet is authenticated and decrypted, with werift's session
//     keys and rollover counter state; a packet that fails is dropped
//   - feeds werift's transport-cc feedback generator, its receiver
//     statistics (RTCP receiver reports) and its NACK generator, so the RTCP
//     the SFU gets back is werift's own, as before
//
// STUN (ICE consent), DTLS and all RTCP still go through werift unchanged,
// and werift handles the first packet of each SSRC itself (it sets up its
// per-stream state then). Pinned to werift 0.25.2's internals.
import crypto from 'node:crypto';
import type { RTCPeerConnection, RTCRtpReceiver } from 'werift';
import type { types } from 'mediasoup';

const TWCC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const GCM_TAG = 16;

interface SsrcState {
  ssrc: number;
  rolloverCounter: number;
  lastSequenceNumber: number;
}
interface SrtpContextInternals {
  profile: number;
  cipher: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer; aeadAuthTagLen?: number };
  srtpSSRCStates: Record<number, SsrcState | undefined>;
  updateRolloverCount(sequenceNumber: number, state: SsrcState): void;
}
interface PseudoPacket {
  header: { sequenceNumber: number; timestamp: number; ssrc: number; serializeSize: number };
  payload: { length: number };
}
interface ReceiverInternals {
  remoteStreams: Record<number, { add(packet: PseudoPacket): void } | undefined>;
  receiverTWCC?: { handleTWCC(tsn: number): void };
  nack: { addPacket(packet: PseudoPacket): void };
  nackEnabled: unknown;
}

export interface FastReceiveCounters {
  /** Media packets (the consumer's SSRC) authenticated and decrypted here. */
  media: number;
  /** Retransmissions (RTX SSRC). */
  rtx: number;
  /** Packets that failed SRTP authentication. */
  invalid: number;
}

export function takeOverRtp(pc: RTCPeerConnection, receiver: RTCRtpReceiver, rtp: types.RtpParameters, onMedia: () => void): FastReceiveCounters {
  const dtls = pc.dtlsTransports[0];
  const pair = dtls?.iceTransport.connection.nominated;
  const transport = (pair?.protocol as { transport?: { onData: (data: Buffer, addr: readonly [string, number]) => void } } | undefined)?.transport;
  if (!dtls || !transport) throw new Error('peer connection not connected over UDP');
  const ctx = (dtls.srtp as unknown as { remoteContext: SrtpContextInternals }).remoteContext;
  if (ctx.cipher.aeadAuthTagLen !== GCM_TAG || ctx.cipher.srtpSessionKey.length !== 16) {
    throw new Error('fast receive path only implements AEAD_AES_128_GCM');
  }
  const key = crypto.createSecretKey(ctx.cipher.srtpSessionKey);
  const salt = ctx.cipher.srtpSessionSalt;
  const r = receiver as unknown as ReceiverInternals;
  const mediaSsrc = rtp.encodings?.[0]?.ssrc;
  const rtxSsrc = rtp.encodings?.[0]?.rtx?.ssrc;
  const twccId = rtp.headerExtensions?.find((e) => e.uri === TWCC_URI)?.id;
  const counters: FastReceiveCounters = { media: 0, rtx: 0, invalid: 0 };
  const iv = Buffer.alloc(12);
  const werift = transport.onData;

  transport.onData = (data, addr) => {
    const b0 = data[0]!;
    const b1 = data[1]!;
    // Not RTP (STUN, DTLS, RTCP): werift's own path.
    if (data.length < 12 + GCM_TAG || b0 < 128 || b0 > 191 || (b1 >= 192 && b1 <= 223)) return werift(data, addr);
    const ssrc = data.readUInt32BE(8);
    const state = ctx.srtpSSRCStates[ssrc];
    const stats = r.remoteStreams[ssrc];
    if (!state || (!stats && (ssrc === mediaSsrc || ssrc === rtxSsrc)) || !r.receiverTWCC) return werift(data, addr);

    const seq = data.readUInt16BE(2);
    let hlen = 12 + 4 * (b0 & 0x0f);
    let tsn: number | undefined;
    if (b0 & 0x10) {
      const profile = data.readUInt16BE(hlen);
      const words = data.readUInt16BE(hlen + 2);
      const end = hlen + 4 + 4 * words;
      if (twccId !== undefined) tsn = findExtension(data, hlen + 4, end, profile, twccId);
      hlen = end;
    }
    if (hlen > data.length - GCM_TAG) return;

    const next = { ...state };
    ctx.updateRolloverCount(seq, next);
    iv.fill(0);
    iv.writeUInt32BE(ssrc, 2);
    iv.writeUInt32BE(next.rolloverCounter, 6);
    iv.writeUInt16BE(seq, 10);
    for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
    let plain: Buffer;
    try {
      const d = crypto.createDecipheriv('aes-128-gcm', key, iv);
      d.setAAD(data.subarray(0, hlen));
      d.setAuthTag(data.subarray(data.length - GCM_TAG));
      plain = d.update(data.subarray(hlen, data.length - GCM_TAG));
      d.final();
    } catch {
      counters.invalid += 1;
      return;
    }
    Object.assign(state, next);

    if (tsn !== undefined) r.receiverTWCC.handleTWCC(tsn);
    const padding = b0 & 0x20 && plain.length > 0 ? plain[plain.length - 1]! : 0;
    const payloadLength = plain.length - padding;
    const packet: PseudoPacket = {
      header: { sequenceNumber: seq, timestamp: data.readUInt32BE(4), ssrc, serializeSize: hlen },
      payload: { length: payloadLength },
    };
    stats?.add(packet);
    if (ssrc === mediaSsrc) {
      counters.media += 1;
      if (r.nackEnabled) r.nack.addPacket(packet);
      onMedia();
    } else if (ssrc === rtxSsrc && payloadLength >= 2) {
      counters.rtx += 1;
      // The original sequence number leads the RTX payload (RFC 4588).
      if (r.nackEnabled && mediaSsrc !== undefined) {
        r.nack.addPacket({ ...packet, header: { ...packet.header, ssrc: mediaSsrc, sequenceNumber: plain.readUInt16BE(0) } });
      }
    }
  };
  return counters;
}

/** The value of one-byte (0xBEDE) or two-byte header extension `id` read as a uint16, if present. */
function findExtension(data: Buffer, start: number, end: number, profile: number, id: number): number | undefined {
  let i = start;
  if (profile === 0xbede) {
    while (i < end) {
      const b = data[i]!;
      if (b === 0) {
        i += 1;
        continue;
      }
      const extId = b >> 4;
      const len = (b & 0x0f) + 1;
      if (extId === 15) return undefined;
      if (extId === id) return len >= 2 ? data.readUInt16BE(i + 1) : undefined;
      i += 1 + len;
    }
  } else if ((profile & 0xfff0) === 0x1000) {
    while (i + 1 < end) {
      const extId = data[i]!;
      if (extId === 0) {
        i += 1;
        continue;
      }
      const len = data[i + 1]!;
      if (extId === id) return len >= 2 ? data.readUInt16BE(i + 2) : undefined;
      i += 2 + len;
    }
  }
  return undefined;
}
