// Load generator process: the clock camera (bench/lib/clock-video.ts) as a
// participant. ffmpeg encodes the clock frames live (VP8 realtime) as RTP to
// a local port; a werift peer connection sends each packet to Parley through
// the normal protocol (token, socket, media:produce).
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { startClockVideo } from './clock-video.ts';
import { installFastCipherKeys } from './fast-crypto.ts';
import { serve } from './ipc.ts';
import { Sender } from './peer.ts';
import { ParleySignaling } from './signaling.ts';

installFastCipherKeys();

let sender: Sender | undefined;
let ffmpeg: ChildProcess | undefined;
let socket: dgram.Socket | undefined;

process.on('exit', () => ffmpeg?.kill('SIGKILL'));

async function start(p: { url: string; meetingId: string }): Promise<{ producerId: string }> {
  sender = await Sender.start(new ParleySignaling(p.url, p.meetingId, 'Clock', '127.0.0.253'));
  const s = dgram.createSocket('udp4');
  socket = s;
  const track = sender.track;
  s.on('message', (m) => track.writeRtp(m));
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  ffmpeg = startClockVideo([
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '800k', '-g', '60', '-lag-in-frames', '0', '-error-resilient', '1',
    '-f', 'rtp', '-payload_type', '96', `rtp://127.0.0.1:${s.address().port}?pkt_size=1200`,
  ]);
  return { producerId: sender.producerId };
}

async function stop(): Promise<void> {
  ffmpeg?.kill('SIGKILL');
  socket?.close();
  await sender?.close();
}

serve({ start, stop });
