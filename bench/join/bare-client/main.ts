// The thinnest mediasoup-client page: the baseline of the join benchmark.
// Signaling is plain HTTP POSTs to bench/join/bare-server.ts, no app logic.
import { Device, type types } from 'mediasoup-client';

async function rpc<T>(method: string, body: object = {}): Promise<T> {
  const res = await fetch(`/rpc/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface TransportInfo { id: string; iceParameters: types.IceParameters; iceCandidates: types.IceCandidate[]; dtlsParameters: types.DtlsParameters }

async function transport(device: Device, direction: 'send' | 'recv'): Promise<types.Transport> {
  const info = await rpc<TransportInfo>('createTransport', { direction });
  const t = direction === 'send' ? device.createSendTransport(info) : device.createRecvTransport(info);
  t.on('connect', ({ dtlsParameters }, ok, fail) => void rpc('connect', { transportId: t.id, dtlsParameters }).then(() => ok(), fail));
  if (direction === 'send') {
    t.on('produce', ({ kind, rtpParameters }, ok, fail) => void rpc<{ id: string }>('produce', { transportId: t.id, kind, rtpParameters }).then(ok, fail));
  }
  return t;
}

window.bare = {
  /** Sends the fake camera with the same simulcast encodings as the Parley client. */
  async publish() {
    const device = await Device.factory();
    await device.load({ routerRtpCapabilities: await rpc<types.RtpCapabilities>('caps') });
    const send = await transport(device, 'send');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } } });
    await send.produce({
      track: stream.getVideoTracks()[0]!,
      encodings: [
        { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
        { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
        { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000, scalabilityMode: 'L1T3' },
      ],
      codecOptions: { videoGoogleStartBitrate: 1000 },
    });
  },
  /**
   * Joins receive-only; resolves with ms from start to the first presented
   * remote frame. The device is loaded before the clock starts, as Parley
   * loads it on its pre-join screen.
   */
  async join() {
    const device = await Device.factory();
    await device.load({ routerRtpCapabilities: await rpc<types.RtpCapabilities>('caps') });
    const start = performance.now();
    const recv = await transport(device, 'recv');
    const c = await rpc<{ id: string; producerId: string; kind: 'video'; rtpParameters: types.RtpParameters }>('consume', { transportId: recv.id, rtpCapabilities: device.recvRtpCapabilities });
    const consumer = await recv.consume(c);
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.style.width = '640px';
    video.style.height = '360px';
    document.getElementById('videos')!.append(video);
    video.srcObject = new MediaStream([consumer.track]);
    const first = new Promise<number>((resolve) => video.requestVideoFrameCallback(() => resolve(performance.now())));
    void video.play().catch(() => undefined);
    await rpc('resume', { consumerId: consumer.id });
    return (await first) - start;
  },
};
