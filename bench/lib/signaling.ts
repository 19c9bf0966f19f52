// How a load-generating peer talks to each system under test.
//
//   ParleySignaling: the real client flow (HTTP token, Socket.IO, typed
//     events, the same order the web client uses).
//   BareSignaling: the baseline's JSON-over-HTTP calls (bench/join/bare-server.ts).
//
// Both hand the peer the same things, so the WebRTC side (bench/lib/peer.ts)
// is identical for the two systems.
import http from 'node:http';
import { io, type Socket } from 'socket.io-client';
import type { types } from 'mediasoup';
import type { Ack, ClientToServerEvents, JoinMeetingReply, JoinResult, MeetingInfoReply, ServerToClientEvents } from '@parley/protocol';
import type { TransportInfo } from './sdp.ts';

export interface ConsumerInfo {
  id: string;
  rtpParameters: types.RtpParameters;
}

export interface MediaSignaling {
  routerCapabilities(): Promise<types.RtpCapabilities>;
  /** Joins with the client's capabilities; returns the transport for `direction` and the cameras already published. */
  open(direction: 'send' | 'recv', caps: types.RtpCapabilities): Promise<{ transport: TransportInfo; cameras: string[] }>;
  connect(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void>;
  /** `height`: the captured height Parley's client reports with a video (a live stream is 1080p when its stage video has 1080 lines). */
  produce(transportId: string, rtpParameters: types.RtpParameters, height?: number): Promise<string>;
  /** A paused consumer of `producerId` (the bare baseline serves its only camera). */
  consume(transportId: string, producerId: string | undefined, caps: types.RtpCapabilities): Promise<ConsumerInfo>;
  resume(consumerId: string): Promise<void>;
  close(): void;
}

/** JSON over HTTP from a chosen local address (each simulated person has its own). */
export function requestJson<T>(method: string, url: string, body: unknown, localAddress?: string): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        ...(localAddress ? { localAddress } : {}),
        headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as T });
          } catch {
            reject(new Error(`${method} ${url}: ${res.statusCode} ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class ParleySignaling implements MediaSignaling {
  readonly #base: string;
  readonly #meetingId: string;
  readonly #name: string;
  readonly #localAddress: string | undefined;
  #socket: ClientSocket | undefined;

  constructor(base: string, meetingId: string, name: string, localAddress?: string) {
    this.#base = base;
    this.#meetingId = meetingId;
    this.#name = name;
    this.#localAddress = localAddress;
  }

  async routerCapabilities(): Promise<types.RtpCapabilities> {
    const res = await requestJson<MeetingInfoReply>('GET', `${this.#base}/api/meetings/${this.#meetingId}`, undefined, this.#localAddress);
    if (res.status !== 200) throw new Error(`meeting info: ${res.status}`);
    return res.body.routerRtpCapabilities as types.RtpCapabilities;
  }

  async open(direction: 'send' | 'recv', caps: types.RtpCapabilities): Promise<{ transport: TransportInfo; cameras: string[] }> {
    const res = await requestJson<JoinMeetingReply>('POST', `${this.#base}/api/meetings/${this.#meetingId}/join`, { name: this.#name }, this.#localAddress);
    if (res.status !== 200) throw new Error(`join token: ${res.status} ${JSON.stringify(res.body)}`);
    const socket: ClientSocket = io(this.#base, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: { token: res.body.token },
      query: { meeting: this.#meetingId },
      reconnection: false,
      forceNew: true,
      ...(this.#localAddress ? { localAddress: this.#localAddress } : {}),
    });
    this.#socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    // One round trip: join with capabilities also creates both transports.
    const joined = await this.#request<JoinResult>('meeting:join', { rtpCapabilities: caps });
    if (!joined.media) throw new Error('meeting:join returned no transports');
    const cameras = joined.snapshot.participants.flatMap((p) => p.producers.filter((pr) => pr.source === 'camera').map((pr) => pr.id as string));
    return { transport: joined.media[direction] as TransportInfo, cameras };
  }

  async connect(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#request('media:connect', { transportId, dtlsParameters });
  }

  async produce(transportId: string, rtpParameters: types.RtpParameters, height?: number): Promise<string> {
    const r = await this.#request<{ producerId: string }>('media:produce', { transportId, kind: 'video', source: 'camera', rtpParameters, ...(height ? { height } : {}) });
    return r.producerId;
  }

  async consume(_transportId: string, producerId: string | undefined): Promise<ConsumerInfo> {
    if (!producerId) throw new Error('no camera to consume');
    const r = await this.#request<{ consumer: ConsumerInfo }>('media:consume', { producerId });
    return r.consumer;
  }

  async resume(consumerId: string): Promise<void> {
    await this.#request('media:setConsumerPaused', { consumerId, paused: false });
  }

  close(): void {
    this.#socket?.disconnect();
  }

  async #request<T extends object = object>(event: string, payload: unknown): Promise<T> {
    const s = this.#socket as unknown as { timeout(ms: number): { emitWithAck(ev: string, p: unknown): Promise<Ack<T>> } };
    const res = await s.timeout(30_000).emitWithAck(event, payload);
    if (!res.ok) throw new Error(`${event}: ${res.error.code} ${res.error.message}`);
    return res;
  }
}

export class BareSignaling implements MediaSignaling {
  readonly #base: string;

  constructor(base: string) {
    this.#base = base;
  }

  async #rpc<T>(name: string, body: unknown = {}): Promise<T> {
    const res = await requestJson<T>('POST', `${this.#base}/rpc/${name}`, body);
    if (res.status !== 200) throw new Error(`bare ${name}: ${res.status}`);
    return res.body;
  }

  routerCapabilities(): Promise<types.RtpCapabilities> {
    return this.#rpc('caps');
  }

  async open(): Promise<{ transport: TransportInfo; cameras: string[] }> {
    return { transport: await this.#rpc<TransportInfo>('createTransport'), cameras: [] };
  }

  async connect(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#rpc('connect', { transportId, dtlsParameters });
  }

  async produce(transportId: string, rtpParameters: types.RtpParameters): Promise<string> {
    return (await this.#rpc<{ id: string }>('produce', { transportId, kind: 'video', rtpParameters })).id;
  }

  consume(transportId: string, _producerId: string | undefined, caps: types.RtpCapabilities): Promise<ConsumerInfo> {
    return this.#rpc('consume', { transportId, rtpCapabilities: caps });
  }

  async resume(consumerId: string): Promise<void> {
    await this.#rpc('resume', { consumerId });
  }

  close(): void {}
}
