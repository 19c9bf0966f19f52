// Recording and live streaming: whether the meeting is being captured
// (everyone sees it, and hears a signal when it begins), and the moderators'
// start, stop and list of finished recordings.
import { signal } from '@preact/signals';
import type { CaptureKind, CaptureLayout, CaptureState, RecordingInfo } from '@parley/protocol';
import { api } from '../core/api.ts';
import type { SessionCore } from '../core/session.ts';
import { playCaptureSignal } from './signal.ts';

export class CaptureStore {
  readonly state = signal<CaptureState>({ recording: null, stream: null, streamAllowed: false });
  readonly #core: SessionCore;

  constructor(core: SessionCore) {
    this.#core = core;
    core.on('capture:state', (state) => this.load(state));
  }

  /** Everyone hears a signal when a recording or a stream begins to capture media. */
  load(state: CaptureState): void {
    const before = this.state.value;
    const began = (a: CaptureState['recording'], b: CaptureState['recording']) => b?.state === 'live' && (a?.id !== b.id || a.state !== 'live');
    if (began(before.recording, state.recording) || began(before.stream, state.stream)) playCaptureSignal();
    this.state.value = state;
  }

  /** Starts a recording or a live stream (moderators); `keep`: a stream kept as a recording when it ends. Errors become a notice. */
  async start(kind: CaptureKind, layout: CaptureLayout = 'grid', opts: { keep?: boolean } = {}): Promise<boolean> {
    const reply = await this.#core.attempt('capture:start', { kind, layout, ...(kind === 'stream' && opts.keep ? { keep: true } : {}) });
    if (reply) this.load({ ...this.state.value, [kind === 'record' ? 'recording' : 'stream']: reply.capture });
    return reply !== undefined;
  }

  async stop(kind: CaptureKind): Promise<boolean> {
    return (await this.#core.attempt('capture:stop', { kind })) !== undefined;
  }

  /** This meeting's finished recordings, with share links (moderators). */
  async recordings(): Promise<RecordingInfo[]> {
    const token = this.#core.token;
    if (!token) return [];
    return (await api.recordings(this.#core.meetingId, token)).recordings;
  }
}
