// Globals the pages expose to the scripts that drive them (e2e tests, benchmarks).
import type { MeetingSession } from '../web/src/meeting/session.ts';

declare global {
  interface Window {
    /** The Parley web client's debug handle (web/src/meeting/MeetingPage.tsx). */
    parley?: { session: MeetingSession; knocks(): number; captureSignals(): number; handChimes(): number; testSounds(): number };
    /** The live viewer page's player (web/src/live/LiveViewer.tsx). */
    parleyHls?: { on(event: string, fn: (event: string, data: { fatal: boolean; type: string; details: string; sourceBufferName?: string; error?: Error }) => void): void };
    /** The bare mediasoup page of the join benchmark (bench/join/bare-client). */
    bare: { publish(): Promise<void>; join(): Promise<number> };
  }
  interface HTMLVideoElement {
    requestVideoFrameCallback(callback: (now: number, metadata: unknown) => void): number;
  }
}
export {};
