// The recorder's UDP relay: the SFU sends each stream here, and the relay
// hands it to ffmpeg on fixed ports. ffmpeg restarts whenever the layout
// changes (someone joins, leaves, starts a camera or a screen); the relay's
// ports, which the SFU knows, stay the same, so no stream is renegotiated.
//
// Audio is also kept alive: a muted (paused) microphone sends nothing, and
// ffmpeg's mixer would wait for it forever, freezing the whole recording.
// While a microphone is silent the relay sends Opus silence frames in its
// place, on one continuous timeline of sequence numbers and timestamps. Real
// packets keep the sender's own timing on that timeline, so the sound stays
// level with the picture however late its packets come.
import dgram from 'node:dgram';
import fs from 'node:fs';

/** An Opus frame of 20 ms of silence (CELT, TOC 0xF8): what browsers send under DTX, decodable by any Opus decoder. */
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const FRAME_MS = 20;
const FRAME_TICKS = 960; // 20 ms at 48 kHz
/**
 * No real packet for this long counts as a gap: fill it. Real packets that
 * come later than this lose their place to the silence (see #onPacket), so
 * it is well above the stalls of a loaded machine; a mixer waiting this long
 * for a muted microphone holds nothing up that matters.
 */
const GAP_MS = 200;
/** At most this much silence is inserted at once where the sender skipped time; beyond, its timeline is taken to have restarted. */
const MAX_FILL_FRAMES = 500;
/** A sender timestamp this far behind the last one is a new timeline, not a late packet. */
const MAX_BEHIND_TICKS = 48_000 * 10;
/**
 * A real packet whose place is this far inside silence already sent did not
 * come late: its sender's clock stood still while it sent nothing. Dropping
 * it and all that follow would silence the microphone for good.
 */
const MAX_LATE_TICKS = 48_000;
/** Packets held at most while ffmpeg starts (seconds of video at a few Mbit/s). */
const HOLD_MAX = 5000;

export interface RelayStats {
  packets: number;
  bytes: number;
  /** Audio: silence frames sent in place of a quiet microphone. */
  filled: number;
  /** Audio: real packets dropped because silence had already filled their time (or they repeated one). */
  late: number;
  /** Video: packets that never came (sequence gaps). */
  lost: number;
}

export class StreamRelay {
  readonly kind: 'audio' | 'video';
  readonly #rtp: dgram.Socket;
  readonly #rtcp: dgram.Socket;
  /** ffmpeg's RTP port on loopback (its RTCP port is the next one); moved when another process took it between two ffmpeg runs. */
  targetPort: number;
  readonly stats: RelayStats = { packets: 0, bytes: 0, filled: 0, lost: 0, late: 0 };
  /**
   * The stream's RTP payload type (silence frames carry it too); null until
   * the consumer exists. Only packets of this type go to ffmpeg: mediasoup
   * also sends bandwidth probes (payload type 127, a sequence of their own)
   * on the same port, and ffmpeg's reordering takes them for packets far in
   * the future. It then waits for the "missing" ones and drops them as the
   * wrong type, again and again: under load, a run wrote its first segment
   * after 30 s, with no sound, and our loss check asked for a keyframe every
   * second.
   */
  payloadType: number | null;
  readonly #ssrc = (Math.random() * 0xffffffff) >>> 0;
  #timer: NodeJS.Timeout | undefined;
  #seq = (Math.random() * 0xffff) >>> 0;
  #ts = (Math.random() * 0xffffffff) >>> 0;
  #lastInTs: number | undefined;
  /** Where the last real packet sits on the output timeline. */
  #lastRealTs = 0;
  #lastRealAt = 0;
  #lastOutAt = 0;
  #lastVideoSeq: number | undefined;
  #held: Buffer[] | undefined;
  #closed = false;
  /**
   * A video packet went missing. ffmpeg sends no RTCP feedback, so nobody
   * else would ask the sender for a keyframe: the picture would stay broken
   * or frozen until one came by chance.
   */
  onLoss: (() => void) | undefined;

  private constructor(kind: 'audio' | 'video', rtp: dgram.Socket, rtcp: dgram.Socket, targetPort: number, payloadType: number | null) {
    this.kind = kind;
    this.#rtp = rtp;
    this.#rtcp = rtcp;
    this.targetPort = targetPort;
    this.payloadType = payloadType;
  }

  /** Binds the relay's own ports (where the SFU sends) on `ip`. */
  static async open(kind: 'audio' | 'video', ip: string, targetPort: number, payloadType: number | null): Promise<StreamRelay> {
    const bind = (s: dgram.Socket) => new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, ip, () => {
        s.off('error', reject);
        resolve();
      });
    });
    // A keyframe arrives as a burst of packets: room for it while node is busy.
    const rtp = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    const rtcp = dgram.createSocket('udp4');
    await bind(rtp);
    await bind(rtcp);
    const relay = new StreamRelay(kind, rtp, rtcp, targetPort, payloadType);
    relay.#start();
    return relay;
  }

  get port(): number {
    return this.#rtp.address().port;
  }

  get rtcpPort(): number {
    return this.#rtcp.address().port;
  }

  #start(): void {
    // Nothing to do with the SFU's RTCP: the relay rewrites audio timing, so
    // its sender reports would not match what ffmpeg gets.
    this.#rtcp.on('message', () => undefined);
    this.#rtp.on('error', () => undefined);
    this.#rtcp.on('error', () => undefined);
    this.#rtp.on('message', (msg) => this.#onPacket(msg));
    if (this.kind === 'audio') {
      this.#lastOutAt = Date.now();
      this.#timer = setInterval(() => this.#fill(), FRAME_MS);
    }
  }

  #onPacket(msg: Buffer): void {
    if (msg.length < 12 || this.#closed || (msg[1]! & 0x7f) !== this.payloadType) return;
    this.stats.packets += 1;
    this.stats.bytes += msg.length;
    if (this.kind === 'video') {
      const seq = msg.readUInt16BE(2);
      const last = this.#lastVideoSeq;
      // Ahead by more than one: a gap (late, reordered packets are behind and pass).
      const ahead = last === undefined ? 1 : (seq - last) & 0xffff;
      if (ahead > 1 && ahead < 0x8000) {
        this.stats.lost += ahead - 1;
        this.onLoss?.();
      }
      if (ahead < 0x8000) this.#lastVideoSeq = seq;
      this.#send(msg);
      return;
    }
    const now = Date.now();
    const inTs = msg.readUInt32BE(4);
    // A real packet goes where the sender's timestamps put it: as far after
    // the last real packet as the sender says. Placing it right after any
    // silence sent meanwhile (as this relay once did) lengthened the sound
    // by every gap filled while packets were only late: under load the
    // sound ran ahead of the picture, a second in 15 s.
    const since = this.#lastInTs === undefined ? null : (inTs - this.#lastInTs) | 0;
    if (since !== null && since <= 0 && since > -MAX_BEHIND_TICKS) {
      // A repeated or reordered packet: its time is already on the timeline.
      this.stats.late += 1;
      return;
    }
    let ts = since !== null && since > 0 ? (this.#lastRealTs + since) >>> 0 : (this.#ts + FRAME_TICKS) >>> 0;
    // How far after the last frame sent (silence or real) that is.
    let ahead = (ts - this.#ts) | 0;
    if (ahead > MAX_FILL_FRAMES * FRAME_TICKS || ahead <= -MAX_LATE_TICKS) {
      // Not a late packet nor a short pause: the sender's clock jumped, or
      // stood still while it sent nothing. Go on one frame later.
      ts = (this.#ts + FRAME_TICKS) >>> 0;
      ahead = FRAME_TICKS;
    }
    this.#lastInTs = inTs;
    this.#lastRealTs = ts;
    this.#lastRealAt = now;
    this.#lastOutAt = now;
    if (ahead <= 0) {
      // Silence already stands for this moment (the packet came more than GAP_MS late).
      this.stats.late += 1;
      return;
    }
    // Time the sender skipped and the silence did not cover yet (whole frames).
    for (let i = Math.floor((ahead - 1) / FRAME_TICKS); i > 0; i--) this.#sendSilence();
    this.#ts = ts;
    this.#seq = (this.#seq + 1) & 0xffff;
    const out = Buffer.from(msg);
    out.writeUInt16BE(this.#seq, 2);
    out.writeUInt32BE(this.#ts, 4);
    out.writeUInt32BE(this.#ssrc, 8);
    this.#send(out);
  }

  #fill(): void {
    const now = Date.now();
    if (this.payloadType === null) {
      // Nothing to send yet; the silence owed starts when the stream does.
      this.#lastOutAt = now;
      return;
    }
    if (now - this.#lastRealAt < GAP_MS) return;
    // Catch up frame by frame, so the silence lasts as long as the gap did.
    let n = 0;
    while (now - this.#lastOutAt >= FRAME_MS && n < 50) {
      this.#sendSilence();
      this.#lastOutAt += FRAME_MS;
      n += 1;
    }
    if (n === 50) this.#lastOutAt = now;
  }

  /** One 20 ms frame of silence, next on the timeline. */
  #sendSilence(): void {
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#ts = (this.#ts + FRAME_TICKS) >>> 0;
    const pkt = Buffer.alloc(12 + OPUS_SILENCE.length);
    pkt[0] = 0x80;
    pkt[1] = this.payloadType! & 0x7f;
    pkt.writeUInt16BE(this.#seq, 2);
    pkt.writeUInt32BE(this.#ts, 4);
    pkt.writeUInt32BE(this.#ssrc, 8);
    OPUS_SILENCE.copy(pkt, 12);
    this.#send(pkt);
    this.stats.filled += 1;
  }

  #send(buf: Buffer): void {
    if (this.#held) {
      if (this.#held.length < HOLD_MAX) this.#held.push(buf);
      return;
    }
    this.#rtp.send(buf, this.targetPort, '127.0.0.1', () => undefined);
  }

  /**
   * Keeps packets back while a new ffmpeg starts: it counts time from the
   * first packet it reads, so what arrives before it listens must wait for
   * it, not be lost, or its timeline would start late and run short.
   */
  hold(): void {
    this.#held ??= [];
  }

  /** Sends what was held, in order, and forwards directly again. */
  release(): void {
    const held = this.#held;
    this.#held = undefined;
    for (const buf of held ?? []) this.#send(buf);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#rtp.close();
    this.#rtcp.close();
  }
}

/** Whether some process listens on UDP `port` (Linux: /proc/net/udp and udp6). */
export function udpBound(port: number): boolean {
  return udpDrops([port]).has(port);
}

/**
 * Datagrams the kernel dropped on each of `ports` that some socket is
 * bound to, because its buffer was full (Linux: the last column of
 * /proc/net/udp and udp6; ports nobody binds are left out). A
 * loaded ffmpeg falls behind reading its inputs: what it loses there the
 * relay never sees, and a video stays frozen or broken until a keyframe.
 */
export function udpDrops(ports: Iterable<number>): Map<number, number> {
  const wanted = new Map([...ports].map((p) => [`:${p.toString(16).toUpperCase().padStart(4, '0')}`, p]));
  const drops = new Map<number, number>();
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue; // No such table (no IPv6).
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const port = local === undefined ? undefined : wanted.get(local.slice(local.lastIndexOf(':')));
      if (port !== undefined) drops.set(port, (drops.get(port) ?? 0) + Number(cols.at(-1)));
    }
  }
  return drops;
}

/** An even port P with P + 1 free too (ffmpeg's RTP and RTCP for one SDP media line). */
export async function freePortPair(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const a = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      a.once('error', reject);
      a.bind(0, () => resolve(a.address().port));
    });
    a.close();
    const even = port % 2 === 0 ? port : port - 1;
    if (even < 1024) continue;
    const ok = await Promise.all([even, even + 1].map((p) => canBind(p)));
    if (ok.every(Boolean) && !reserved.has(even)) {
      reserved.add(even);
      return even;
    }
  }
  throw new Error('no free UDP port pair');
}

/** Pairs handed out and not yet released: two streams must never share one, even while no ffmpeg binds it. */
const reserved = new Set<number>();
export function releasePortPair(port: number): void {
  reserved.delete(port);
}

/** Whether nobody binds `port` or the port after it right now (ffmpeg's pair, between two of its runs). */
export async function portPairFree(port: number): Promise<boolean> {
  return (await Promise.all([canBind(port), canBind(port + 1)])).every(Boolean);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    // Every address, as ffmpeg binds its RTP ports (a unicast SDP input
    // listens on all of them): a port some other program holds on one
    // address only (a browser's ICE candidate on the LAN address) looked free
    // on loopback, and each ffmpeg run then failed to bind it, again and again.
    s.bind(port, () => s.close(() => resolve(true)));
  });
}

/** Whether ffmpeg listens on every one of `ports` (the kernel's tables read once, not once a port). */
export const allBound = (ports: number[]) => udpDrops(ports).size === new Set(ports).size;

/**
 * The streams whose ffmpeg socket dropped packets since the last look (each
 * stream's `ffDrops` is updated). A loaded ffmpeg falls behind reading its
 * sockets and the kernel drops what overflows: the relay sees no loss, yet
 * the video is broken until its next keyframe, which a sender only makes
 * when asked (under CI load a recording showed one frozen picture for 12 s).
 */
export function droppedSince<S extends { ffPort: number; ffDrops: number }>(streams: S[]): S[] {
  if (streams.length === 0) return [];
  const drops = udpDrops(streams.map((s) => s.ffPort));
  return streams.filter((s) => {
    // A new ffmpeg's socket counts from 0 again.
    const now = drops.get(s.ffPort) ?? 0;
    const rose = now > s.ffDrops;
    s.ffDrops = now;
    return rose;
  });
}

/**
 * ffmpeg's ports are picked free, but nothing holds them while no ffmpeg
 * runs: between two runs another process (a browser's ICE, another
 * recorder) may bind one, and every restart would then fail to bind it
 * ("Address already in use") forever. Streams whose pair is taken move to a
 * free one before the next run.
 */
export async function moveTakenPorts(streams: Iterable<{ producerId: string; ffPort: number; relay: StreamRelay; ffDrops: number }>, log: { info(o: object, msg: string): void }): Promise<void> {
  for (const s of streams) {
    if (await portPairFree(s.ffPort)) continue;
    const next = await freePortPair();
    log.info({ producer: s.producerId, from: s.ffPort, to: next }, "ffmpeg's port was taken by another process; moving the stream");
    releasePortPair(s.ffPort);
    s.ffPort = next;
    s.relay.targetPort = next;
    s.ffDrops = 0;
  }
}
