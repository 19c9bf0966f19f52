// The SDP bridge between mediasoup's parameters and a standard WebRTC peer
// (werift here), the part of mediasoup-client's RemoteSdp a load generator
// needs: one video m-section, BUNDLE, ICE-lite server, UDP candidates.
//
//   receive: the server "offers" the consumer (sendonly), the peer answers;
//   send:    the peer offers its track, rtpParameters are read from the offer
//            for `produce`, and the server's answer (recvonly) is written back.
import type { types } from 'mediasoup';

/** What a client gets for one transport, in Parley's wire format and the bare baseline's alike. */
export interface TransportInfo {
  id: string;
  iceParameters: { usernameFragment: string; password: string };
  iceCandidates: { foundation: string; priority: number; address: string; protocol: string; port: number }[];
  dtlsParameters: { fingerprints: { algorithm: string; value: string }[] };
}

function sessionHeader(t: TransportInfo, mid: string): string[] {
  const fp = t.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ?? t.dtlsParameters.fingerprints[0]!;
  return [
    'v=0',
    `o=parley-bench ${Date.now()} 1 IN IP4 0.0.0.0`,
    's=-',
    't=0 0',
    'a=ice-lite',
    `a=fingerprint:${fp.algorithm} ${fp.value}`,
    'a=msid-semantic: WMS *',
    `a=group:BUNDLE ${mid}`,
  ];
}

function transportLines(t: TransportInfo): string[] {
  const lines = [
    'c=IN IP4 127.0.0.1',
    `a=ice-ufrag:${t.iceParameters.usernameFragment}`,
    `a=ice-pwd:${t.iceParameters.password}`,
  ];
  for (const c of t.iceCandidates) {
    if (c.protocol !== 'udp') continue; // the peer sends over UDP only (as browsers prefer)
    lines.push(`a=candidate:${c.foundation} 1 udp ${c.priority} ${c.address} ${c.port} typ host`);
  }
  lines.push('a=end-of-candidates', 'a=rtcp-mux', 'a=rtcp-rsize');
  return lines;
}

function codecLines(rtp: types.RtpParameters): string[] {
  const lines: string[] = [];
  for (const c of rtp.codecs) {
    const [, name] = c.mimeType.split('/');
    lines.push(`a=rtpmap:${c.payloadType} ${name}/${c.clockRate}${c.channels && c.channels > 1 ? `/${c.channels}` : ''}`);
    for (const fb of c.rtcpFeedback ?? []) lines.push(`a=rtcp-fb:${c.payloadType} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`);
    const params = Object.entries(c.parameters ?? {});
    if (params.length > 0) lines.push(`a=fmtp:${c.payloadType} ${params.map(([k, v]) => `${k}=${String(v)}`).join(';')}`);
  }
  for (const e of rtp.headerExtensions ?? []) lines.push(`a=extmap:${e.id} ${e.uri}`);
  return lines;
}

/** The server's offer for one consumer on a receive transport (the peer answers it). */
export function consumerOffer(t: TransportInfo, rtp: types.RtpParameters): string {
  const mid = rtp.mid ?? '0';
  const pts = rtp.codecs.map((c) => c.payloadType).join(' ');
  const enc = rtp.encodings?.[0];
  const cname = rtp.rtcp?.cname ?? 'parley';
  const lines = [
    ...sessionHeader(t, mid),
    `m=video 7 UDP/TLS/RTP/SAVPF ${pts}`,
    ...transportLines(t),
    `a=mid:${mid}`,
    'a=sendonly',
    'a=setup:actpass',
    ...codecLines(rtp),
    `a=msid:bench-${mid} bench-track-${mid}`,
  ];
  if (enc?.ssrc !== undefined) {
    lines.push(`a=ssrc:${enc.ssrc} cname:${cname}`, `a=ssrc:${enc.ssrc} msid:bench-${mid} bench-track-${mid}`);
    if (enc.rtx?.ssrc !== undefined) {
      lines.push(`a=ssrc:${enc.rtx.ssrc} cname:${cname}`, `a=ssrc:${enc.rtx.ssrc} msid:bench-${mid} bench-track-${mid}`);
      lines.push(`a=ssrc-group:FID ${enc.ssrc} ${enc.rtx.ssrc}`);
    }
  }
  return lines.join('\r\n') + '\r\n';
}

/** The server's answer to the peer's send offer, for the producer `rtp` made from it. */
export function producerAnswer(t: TransportInfo, rtp: types.RtpParameters): string {
  const mid = rtp.mid ?? '0';
  const lines = [
    ...sessionHeader(t, mid),
    `m=video 7 UDP/TLS/RTP/SAVPF ${rtp.codecs.map((c) => c.payloadType).join(' ')}`,
    ...transportLines(t),
    `a=mid:${mid}`,
    'a=recvonly',
    'a=setup:passive',
    ...codecLines(rtp),
  ];
  return lines.join('\r\n') + '\r\n';
}

/** The local DTLS parameters to pass to transport.connect: the peer's fingerprint and role from its SDP. */
export function localDtls(sdp: string): types.DtlsParameters {
  const fp = /a=fingerprint:(\S+) (\S+)/.exec(sdp);
  if (!fp) throw new Error('no DTLS fingerprint in local SDP');
  const setup = /a=setup:(\S+)/.exec(sdp)?.[1];
  // active = we open the handshake = DTLS client; passive = server.
  const role = setup === 'passive' ? 'server' : 'client';
  return { role, fingerprints: [{ algorithm: fp[1]! as types.FingerprintAlgorithm, value: fp[2]! }] };
}

/** RTP parameters of the (single) video track in the peer's send offer, for `produce`. */
export function sendParameters(sdp: string): types.RtpParameters {
  const media = sdp.split(/\r?\n(?=m=)/).find((s) => s.startsWith('m=video'));
  if (!media) throw new Error('no video m-section in the offer');
  const lines = media.split(/\r?\n/);
  const attr = (re: RegExp) => lines.map((l) => re.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const mid = attr(/^a=mid:(\S+)/)[0]?.[1];
  const fmtp = new Map(attr(/^a=fmtp:(\d+) (.*)$/).map((m) => [Number(m[1]), m[2]!]));
  const fbs = attr(/^a=rtcp-fb:(\d+) (\S+)(?: (\S+))?/);
  const codecs: types.RtpCodecParameters[] = [];
  for (const m of attr(/^a=rtpmap:(\d+) ([^/]+)\/(\d+)/)) {
    const pt = Number(m[1]);
    const name = m[2]!;
    if (!/^(vp8|rtx)$/i.test(name)) continue;
    const parameters: Record<string, string | number> = {};
    for (const kv of (fmtp.get(pt) ?? '').split(';').filter(Boolean)) {
      const [k, v] = kv.split('=');
      parameters[k!.trim()] = /^\d+$/.test(v ?? '') ? Number(v) : (v ?? '');
    }
    codecs.push({
      mimeType: `video/${name}`,
      payloadType: pt,
      clockRate: Number(m[3]),
      parameters,
      rtcpFeedback: fbs.filter((f) => Number(f[1]) === pt).map((f) => ({ type: f[2]!, parameter: f[3] ?? '' })),
    });
  }
  // Primary codec first, then its RTX (mediasoup wants the media codec at index 0).
  codecs.sort((a, b) => Number(/rtx/i.test(a.mimeType)) - Number(/rtx/i.test(b.mimeType)));
  const headerExtensions = attr(/^a=extmap:(\d+)(?:\/\S+)? (\S+)/).map((m) => ({ id: Number(m[1]), uri: m[2]! as types.RtpHeaderExtensionUri }));
  const ssrcs = [...new Set(attr(/^a=ssrc:(\d+) /).map((m) => Number(m[1])))];
  const fid = attr(/^a=ssrc-group:FID (\d+) (\d+)/)[0];
  const cname = attr(/^a=ssrc:\d+ cname:(\S+)/)[0]?.[1];
  const ssrc = fid ? Number(fid[1]) : ssrcs[0];
  if (ssrc === undefined) throw new Error('no SSRC in the offer');
  return {
    ...(mid !== undefined ? { mid } : {}),
    codecs,
    headerExtensions,
    encodings: [{ ssrc, ...(fid ? { rtx: { ssrc: Number(fid[2]) } } : {}) }],
    rtcp: { cname: cname ?? 'bench', reducedSize: true },
  };
}
