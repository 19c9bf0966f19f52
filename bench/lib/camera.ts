// Load generator process: the camera. ffmpeg plays a pre-encoded VP8 clip
// (720p30 at ~1 Mbit/s or 1080p30 at ~2.5 Mbit/s, keyframe every 2 s) in real time as RTP to a local UDP
// port; a werift peer connection forwards each packet to the SFU through the
// system's normal WebRTC send path (Parley: token, socket, media:produce).
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { installFastCipherKeys } from './fast-crypto.ts';
import { serve } from './ipc.ts';
import { Sender } from './peer.ts';
import { BareSignaling, ParleySignaling } from './signaling.ts';

installFastCipherKeys();

let sender: Sender | undefined;
let ffmpeg: ChildProcess | undefined;
let socket: dgram.Socket | undefined;
let fed = 0;

process.on('exit', () => ffmpeg?.kill('SIGKILL'));

async function start(p: { system: 'parley' | 'bare'; url: string; meetingId: string; clip: string; height?: number }): Promise<{ producerId: string }> {
  sender = await Sender.start(p.system === 'parley' ? new ParleySignaling(p.url, p.meetingId, 'Camera', '127.0.0.254') : new BareSignaling(p.url), p.height);
  const s = dgram.createSocket('udp4');
  socket = s;
  const track = sender.track;
  s.on('message', (m) => {
    fed += 1;
    track.writeRtp(m);
  });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  ffmpeg = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', p.clip, '-an', '-c:v', 'copy',
      '-f', 'rtp', '-payload_type', '96', `rtp://127.0.0.1:${s.address().port}?pkt_size=1200`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return { producerId: sender.producerId };
}

function stats(): { fed: number } {
  return { fed };
}

async function stop(): Promise<void> {
  ffmpeg?.kill('SIGKILL');
  socket?.close();
  await sender?.close();
}

serve({ start, stats, stop });
