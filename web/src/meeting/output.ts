// Where the meeting's sound goes (speakers, headset) and a test sound to
// check it, as Jitsi's settings offer. Browsers without setSinkId (Firefox
// before 116, Safari) play through the system's default, and the choice is
// not offered there.
import { signal } from '@preact/signals';

const KEY = 'parley:speaker';
/** The chosen output device id ('' for the system default), kept in this browser. */
export const audioOutput = signal<string>(localStorage.getItem(KEY) ?? '');
/** Test sounds played (the end-to-end tests read it: headless Chromium has no speakers to listen to). */
export const testSoundsPlayed = signal(0);

export const canChooseOutput = (): boolean => typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

export function chooseOutput(deviceId: string): void {
  audioOutput.value = deviceId;
  if (deviceId) localStorage.setItem(KEY, deviceId);
  else localStorage.removeItem(KEY);
}

type Sinkable = HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };

/** Sends an element's sound to the chosen output (a device gone since falls back to the default). */
export async function applyOutput(el: HTMLMediaElement, deviceId = audioOutput.value): Promise<void> {
  const media = el as Sinkable;
  if (!media.setSinkId) return;
  await media.setSinkId(deviceId).catch(() => media.setSinkId!('').catch(() => undefined));
}

/** A short two-note chime through the chosen output. */
export async function playTestSound(): Promise<void> {
  const ctx = new AudioContext();
  const out = ctx.createMediaStreamDestination();
  const gain = ctx.createGain();
  gain.connect(out);
  for (const [at, hz] of [[0, 523], [0.25, 784]] as const) {
    const osc = ctx.createOscillator();
    osc.frequency.value = hz;
    osc.connect(gain);
    gain.gain.setValueAtTime(0.2, ctx.currentTime + at);
    osc.start(ctx.currentTime + at);
    osc.stop(ctx.currentTime + at + 0.22);
  }
  const el = new Audio();
  el.srcObject = out.stream;
  await applyOutput(el);
  testSoundsPlayed.value += 1;
  await el.play().catch(() => undefined);
  setTimeout(() => {
    el.srcObject = null;
    void ctx.close();
  }, 800);
}
