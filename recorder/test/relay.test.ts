// The relay between the SFU and ffmpeg, over real UDP sockets on loopback.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { freePortPair, portPairFree, releasePortPair, StreamRelay, udpBound, udpDrops } from '../src/relay.ts';
import { sdpFor } from '../src/ffmpeg.ts';

function rtp(seq: number, ts: number, payload = Buffer.from([0x78, 1, 2, 3]), pt = 111): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(0x1234, 8);
  payload.copy(b, 12);
  return b;
}

async function listener(port: number): Promise<{ packets: Buffer[]; close(): void }> {
  const s = dgram.createSocket('udp4');
  const packets: Buffer[] = [];
  s.on('message', (m) => packets.push(m));
  await new Promise<void>((r) => s.bind(port, '127.0.0.1', () => r()));
  return { packets, close: () => s.close() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rig {
  relay: StreamRelay;
  /** What reached "ffmpeg" (a listener on the relay's target port). */
  ff: { packets: Buffer[] };
  sender: dgram.Socket;
  port: number;
}

/** A relay of `kind` (payload type 111) between a sender and a listener on its target port; all closed afterwards. */
async function withRelay(kind: 'audio' | 'video', fn: (rig: Rig) => Promise<void>): Promise<void> {
  const port = await freePortPair();
  const ff = await listener(port);
  const relay = await StreamRelay.open(kind, '127.0.0.1', port, 111);
  const sender = dgram.createSocket('udp4');
  try {
    await fn({ relay, ff, sender, port });
  } finally {
    sender.close();
    relay.close();
    ff.close();
    releasePortPair(port);
  }
}

/** Sequence numbers without holes, timestamps in 20 ms steps, one SSRC. */
function assertContinuous(out: Buffer[]): void {
  for (let i = 1; i < out.length; i++) {
    assert.equal(out[i]!.readUInt16BE(2), (out[i - 1]!.readUInt16BE(2) + 1) & 0xffff, `sequence at ${i}`);
    assert.equal((out[i]!.readUInt32BE(4) - out[i - 1]!.readUInt32BE(4)) >>> 0, 960, `step at ${i}`);
    assert.equal(out[i]!.readUInt32BE(8), out[0]!.readUInt32BE(8));
  }
}

test('a silent microphone is filled with Opus silence on one continuous timeline', async () => {
  await withRelay('audio', async ({ relay, ff, sender }) => {
    // 10 real packets 20 ms apart, then 300 ms of nothing (muted), then 5 more.
    let seq = 5000;
    let ts = 123456;
    for (let i = 0; i < 10; i++) {
      sender.send(rtp(seq++, (ts += 960)), relay.port, '127.0.0.1');
      await sleep(20);
    }
    await sleep(300);
    // The sender's clock moved on while it was muted.
    ts += 960 * 20;
    for (let i = 0; i < 5; i++) {
      sender.send(rtp(seq++, (ts += 960)), relay.port, '127.0.0.1');
      await sleep(20);
    }
    await sleep(50);
    assert.ok(relay.stats.filled >= 8, `filled ${relay.stats.filled} frames of silence`);
    const out = ff.packets;
    assert.ok(out.length >= 15 + 8);
    assertContinuous(out);
    assert.ok(out.every((p) => (p[1]! & 0x7f) === 111));
    const silence = out.filter((p) => p.length === 15 && p[12] === 0xf8);
    assert.ok(silence.length >= 8);
  });
});

/** Sends `n` packets of 20 ms, `gapMs` apart (0: a burst), going on from `at` (which moves on with them). */
async function talk(sender: dgram.Socket, port: number, n: number, gapMs: number, at: { seq: number; ts: number }): Promise<void> {
  for (let i = 0; i < n; i++) {
    sender.send(rtp(at.seq++, (at.ts += 960)), port, '127.0.0.1');
    if (gapMs) await sleep(gapMs);
  }
}

const span = (pkts: Buffer[]) => ((pkts.at(-1)!.readUInt32BE(4) - pkts[0]!.readUInt32BE(4)) >>> 0) / 960;

test('packets that come late keep the sender\'s timing: the sound does not grow longer than what was said', async () => {
  await withRelay('audio', async ({ relay, ff, sender }) => {
    const at = { seq: 100, ts: 5_000_000 };
    await talk(sender, relay.port, 10, 20, at);
    // A stall: for 400 ms nothing comes (silence fills it), then the packets
    // of that time arrive at once, then talk goes on. A real sender says as
    // many frames as the stall really lasted (a loaded machine sleeps longer
    // than asked; CI once slept 40 ms more, so a fixed 20 fell short of the
    // silence and the talk after it came "late"), plus two: the relay's
    // timer may fill once more before it reads the burst.
    const stallFrom = Date.now();
    await sleep(400);
    const stalled = Math.floor((Date.now() - stallFrom) / 20) + 2;
    await talk(sender, relay.port, stalled, 0, at);
    await talk(sender, relay.port, 10, 20, at);
    await sleep(50);
    const out = ff.packets;
    // 10 + stalled + 10 frames were said: the timeline holds that many,
    // silence included (the first frame starts it, so the span is one less).
    const said = 10 + stalled + 10;
    assert.equal(span(out), said - 1, `the sound spans ${span(out)} frames, ${said} were said`);
    assert.ok(relay.stats.filled > 0, 'the stall was filled');
    assert.ok(relay.stats.late > 0, 'the late packets whose time was filled were dropped');
    assertContinuous(out);
    // The last ten came on time, all real.
    assert.ok(out.slice(-10).every((p) => p.length === 16), 'the talk after the stall is real sound');
  });
});

test('a sender whose clock stood still while it was silent is heard again, after the silence', async () => {
  await withRelay('audio', async ({ relay, ff, sender }) => {
    const at = { seq: 100, ts: 5_000_000 };
    await talk(sender, relay.port, 5, 20, at);
    // 1.5 s muted; the sender's timestamps go on from where they stopped.
    await sleep(1500);
    await talk(sender, relay.port, 5, 20, at);
    await sleep(50);
    const out = ff.packets;
    assert.equal(out.filter((p) => p.length === 16).length, 10, 'every real packet is sent, the five after the pause too');
    assert.ok(span(out) >= 5 + 60, `the pause stays on the timeline (${span(out)} frames)`);
    assertContinuous(out);
  });
});

test('video passes through untouched', async () => {
  await withRelay('video', async ({ relay, ff, sender }) => {
    const sent = [rtp(1, 1000), rtp(2, 4000), rtp(3, 7000)];
    for (const p of sent) sender.send(p, relay.port, '127.0.0.1');
    await sleep(100);
    assert.deepEqual(ff.packets, sent);
    assert.equal(relay.stats.filled, 0);
    assert.equal(relay.stats.lost, 0);
    // Short garbage is dropped, not forwarded.
    sender.send(Buffer.from([1, 2, 3]), relay.port, '127.0.0.1');
    await sleep(50);
    assert.equal(ff.packets.length, 3);
  });
});

test("only the stream's own payload type reaches ffmpeg: bandwidth probes and packets before the consumer exists stay behind", async () => {
  const port = await freePortPair();
  const ff = await listener(port);
  const video = await StreamRelay.open('video', '127.0.0.1', port, null);
  const audio = await StreamRelay.open('audio', '127.0.0.1', port, null);
  const sender = dgram.createSocket('udp4');
  let asked = 0;
  video.onLoss = () => (asked += 1);
  try {
    // Before the consumer answers, the payload type is unknown: nothing passes.
    sender.send(rtp(1, 1000, undefined, 101), video.port, '127.0.0.1');
    await sleep(50);
    assert.equal(ff.packets.length, 0);
    video.payloadType = 101;
    // mediasoup's probes (payload type 127, sequence numbers of their own)
    // interleaved with the picture: the picture alone passes, and the jumps
    // between the two sequences are no loss.
    const picture = [rtp(2, 4000, undefined, 101), rtp(3, 4000, undefined, 101), rtp(4, 7000, undefined, 101)];
    sender.send(picture[0]!, video.port, '127.0.0.1');
    sender.send(rtp(33150, 0, Buffer.alloc(280), 127), video.port, '127.0.0.1');
    sender.send(picture[1]!, video.port, '127.0.0.1');
    sender.send(rtp(33151, 0, Buffer.alloc(280), 127), video.port, '127.0.0.1');
    sender.send(picture[2]!, video.port, '127.0.0.1');
    await sleep(100);
    assert.deepEqual(ff.packets, picture);
    assert.equal(asked, 0);
    assert.equal(video.stats.lost, 0);
    // Audio: no silence before the payload type is known (it would carry a wrong one).
    video.close();
    await sleep(150);
    assert.equal(ff.packets.length, 3);
    audio.payloadType = 100;
    await sleep(150);
    const silence = ff.packets.slice(3);
    assert.ok(silence.length >= 3, `${silence.length} silence frames once the type is known`);
    assert.ok(silence.every((p) => (p[1]! & 0x7f) === 100 && p[12] === 0xf8));
    // It starts from when the stream did: no burst for the time before.
    assert.ok(silence.length <= 12, `${silence.length} silence frames in 150 ms`);
  } finally {
    sender.close();
    video.close();
    audio.close();
    ff.close();
    releasePortPair(port);
  }
});

test('a gap in the video asks for a keyframe (ffmpeg sends no feedback of its own)', async () => {
  await withRelay('video', async ({ relay, ff, sender, port }) => {
    let asked = 0;
    relay.onLoss = () => (asked += 1);
    // 10, 11, (12 and 13 lost), 14, then 13 late: one gap of two packets.
    for (const seq of [10, 11, 14, 13, 15]) {
      sender.send(rtp(seq, seq * 3000), relay.port, '127.0.0.1');
      await sleep(10);
    }
    await sleep(50);
    assert.equal(asked, 1);
    assert.equal(relay.stats.lost, 2);
    assert.equal(ff.packets.length, 5, 'late packets still go to ffmpeg, which reorders');
    // Far behind (an old packet, or a restarted sender): no gap, nothing asked.
    sender.send(rtp(65000, 0), relay.port, '127.0.0.1');
    await sleep(30);
    assert.equal(asked, 1);
    // Sequence numbers wrap without counting as loss; a gap after the wrap does.
    for (const seq of [16, 17]) sender.send(rtp(seq, 0), relay.port, '127.0.0.1');
    await sleep(30);
    assert.equal(asked, 1);
    const wrapped = await StreamRelay.open('video', '127.0.0.1', port, 111);
    let askedAfterWrap = 0;
    wrapped.onLoss = () => (askedAfterWrap += 1);
    for (const seq of [65534, 65535, 0, 1]) {
      sender.send(rtp(seq, 0), wrapped.port, '127.0.0.1');
      await sleep(10);
    }
    await sleep(30);
    assert.equal(askedAfterWrap, 0);
    sender.send(rtp(3, 0), wrapped.port, '127.0.0.1');
    await sleep(30);
    assert.equal(askedAfterWrap, 1);
    wrapped.close();
  });
});

test('held packets wait for ffmpeg to listen, then go in order; udpBound sees the listener', async () => {
  const port = await freePortPair();
  const relay = await StreamRelay.open('video', '127.0.0.1', port, 111);
  const sender = dgram.createSocket('udp4');
  try {
    relay.hold();
    for (const seq of [1, 2, 3]) sender.send(rtp(seq, seq), relay.port, '127.0.0.1');
    await sleep(50);
    assert.equal(udpBound(port), false);
    const ff = await listener(port);
    assert.equal(udpBound(port), true);
    relay.release();
    sender.send(rtp(4, 4), relay.port, '127.0.0.1');
    await sleep(50);
    assert.deepEqual(ff.packets.map((p) => p.readUInt16BE(2)), [1, 2, 3, 4]);
    ff.close();
  } finally {
    sender.close();
    relay.close();
    releasePortPair(port);
  }
});

test('udpDrops counts what a busy listener lost: packets its full buffer could not take', async () => {
  const port = await freePortPair();
  // A listener that binds a small buffer and then reads nothing for a while, as a loaded ffmpeg does.
  const busy = spawn(process.execPath, ['-e', `
    const s = require('node:dgram').createSocket({ type: 'udp4', recvBufferSize: 4096 });
    s.bind(${port}, '127.0.0.1', () => { console.log('bound'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000); process.exit(0); });
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sender = dgram.createSocket('udp4');
  try {
    await new Promise((resolve) => busy.stdout!.once('data', resolve));
    assert.equal(udpDrops([port]).get(port), 0);
    for (let i = 0; i < 200; i++) sender.send(Buffer.alloc(1000), port, '127.0.0.1');
    await sleep(100);
    const dropped = udpDrops([port, port + 1]);
    assert.ok(dropped.get(port)! > 100, `dropped ${dropped.get(port)}`);
    // Only ports in use are listed.
    assert.equal(dropped.has(port + 1), false);
  } finally {
    sender.close();
    busy.kill();
    releasePortPair(port);
  }
});

test('port pairs handed out are even, free and never handed out twice while in use', async () => {
  const ports = await Promise.all([1, 2, 3, 4].map(() => freePortPair()));
  assert.equal(new Set(ports).size, 4);
  for (const p of ports) assert.equal(p % 2, 0);
  ports.forEach(releasePortPair);
});

test('a port another program holds on one address only is taken: ffmpeg listens on every address', async () => {
  const port = await freePortPair();
  assert.equal(await portPairFree(port), true);
  // 127.0.0.2 stands for a LAN address (a browser's ICE candidate): loopback
  // itself stays bindable, ffmpeg's wildcard bind of the same port does not.
  const other = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => other.bind(port + 1, '127.0.0.2', resolve));
  try {
    assert.equal(await portPairFree(port), false);
    // And ffmpeg, given that pair in an SDP, indeed cannot listen there.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-relay-'));
    const sdp = path.join(dir, 'in.sdp');
    fs.writeFileSync(sdp, sdpFor([{ producerId: 'a', kind: 'audio', port, rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }] } as never }]));
    const ffmpeg = spawn('ffmpeg', ['-v', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', sdp, '-t', '0.1', '-f', 'null', '-']);
    let stderr = '';
    ffmpeg.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => ffmpeg.once('exit', resolve));
    fs.rmSync(dir, { recursive: true, force: true });
    assert.notEqual(code, 0);
    assert.match(stderr, /bind failed/);
  } finally {
    other.close();
    releasePortPair(port);
  }
});

test('the SDP describes each stream on its port with its codec', () => {
  const sdp = sdpFor([
    { producerId: 'v', kind: 'video', port: 50000, rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }] } as never },
    { producerId: 'a', kind: 'audio', port: 50002, rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } }] } as never },
  ]);
  assert.match(sdp, /m=video 50000 RTP\/AVP 101\r\na=rtpmap:101 VP8\/90000/);
  assert.match(sdp, /m=audio 50002 RTP\/AVP 100\r\na=rtpmap:100 opus\/48000\/2\r\na=fmtp:100 useinbandfec=1/);
});
