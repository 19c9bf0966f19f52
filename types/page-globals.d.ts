// Globals the pages expose to the scripts that drive them (e2e tests, benchmarks).
import type { MeetingSession } from '../web/src/meeting/session.ts';

/** The little of an hls.js fragment the tests read. */
interface HlsFragment {
  sn: number | 'initSegment';
  start: number;
  end: number;
  type: string;
}

declare global {
  interface Window {
    /** The Parley web client's debug handle (web/src/meeting/MeetingPage.tsx). */
    parley?: { session: MeetingSession; knocks(): number; captureSignals(): number; handChimes(): number; testSounds(): number };
    /** The live viewer page's player (web/src/live/LiveViewer.tsx). */
    parleyHls?: {
      on(event: 'hlsError', fn: (event: string, data: { fatal: boolean; type: string; details: string; sourceBufferName?: string; error?: Error; frag?: HlsFragment }) => void): void;
      on(event: 'hlsLevelUpdated', fn: (event: string, data: { details: { fragments: HlsFragment[]; endSN: number; fragmentStart: number; edge: number; drift: number } }) => void): void;
      on(event: 'hlsFragBuffered', fn: (event: string, data: { frag: HlsFragment }) => void): void;
    };
    /** The bare mediasoup page of the join benchmark (bench/join/bare-client). */
    bare: { publish(): Promise<void>; join(): Promise<number> };
  }
  interface HTMLVideoElement {
    requestVideoFrameCallback(callback: (now: number, metadata: unknown) => void): number;
  }
}
export {};
