import { useEffect, useRef, useState } from 'preact/hooks';
import { LIMITS } from '@parley/protocol';
import { Icon } from '../ui/icons.tsx';
import { Video } from '../ui/Video.tsx';
import { describeMediaError, getCameraTrack, getMicTrack, listDevices, type DeviceLists } from './devices.ts';

export interface PrejoinResult {
  name: string;
  mic: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  micMuted: boolean;
}

/** Name, camera and microphone preview, device choice; nothing is sent before "Join". */
export function Prejoin({ title, initialName, onJoin }: { title: string; initialName: string; onJoin: (r: PrejoinResult) => void }) {
  const [name, setName] = useState(initialName);
  const [camera, setCamera] = useState<MediaStreamTrack | null>(null);
  const [mic, setMic] = useState<MediaStreamTrack | null>(null);
  const [camWanted, setCamWanted] = useState(true);
  const [micWanted, setMicWanted] = useState(true);
  const [camError, setCamError] = useState<string | null>(null);
  const [micError, setMicError] = useState<string | null>(null);
  const [devices, setDevices] = useState<DeviceLists>({ mics: [], cameras: [] });
  const [camId, setCamId] = useState<string | undefined>();
  const [micId, setMicId] = useState<string | undefined>();

  // The capture in progress for each device: "Join" waits for it, so a quick
  // click does not join without camera or microphone.
  const pendingCam = useRef<Promise<MediaStreamTrack | null>>(Promise.resolve(null));
  const pendingMic = useRef<Promise<MediaStreamTrack | null>>(Promise.resolve(null));
  const [joining, setJoining] = useState(false);

  useEffect(
    () => capture(pendingCam, () => getCameraTrack(camId), setCamera, (e) => setCamError(e === null ? null : describeMediaError(e, 'camera')), camWanted, setDevices),
    [camWanted, camId],
  );
  useEffect(
    () => capture(pendingMic, () => getMicTrack(micId), setMic, (e) => setMicError(e === null ? null : describeMediaError(e, 'microphone')), micWanted, setDevices),
    [micWanted, micId],
  );

  const clean = name.trim();
  const join = async () => {
    if (!clean || joining) return;
    setJoining(true);
    localStorage.setItem('parley:name', clean);
    const [m, c] = await Promise.all([micWanted ? pendingMic.current : null, camWanted ? pendingCam.current : null]);
    for (const t of [m, c]) if (t) handedOver.add(t);
    onJoin({ name: clean, mic: m, camera: c, micMuted: false });
  };

  return (
    <div class="prejoin" data-testid="prejoin">
      <div class="preview">
        {camera && camWanted ? <Video track={camera} mirror /> : <div class="avatar big">{clean ? clean[0]!.toUpperCase() : '?'}</div>}
        <div class="preview-tools">
          <button type="button" class={`tool ${micWanted ? '' : 'off'}`} aria-label={micWanted ? 'Turn microphone off' : 'Turn microphone on'} data-testid="prejoin-mic" onClick={() => setMicWanted(!micWanted)}>
            <Icon name={micWanted ? 'mic' : 'micOff'} />
          </button>
          <button type="button" class={`tool ${camWanted ? '' : 'off'}`} aria-label={camWanted ? 'Turn camera off' : 'Turn camera on'} data-testid="prejoin-camera" onClick={() => setCamWanted(!camWanted)}>
            <Icon name={camWanted ? 'camera' : 'cameraOff'} />
          </button>
        </div>
      </div>
      <form
        class="prejoin-form"
        onSubmit={(e) => {
          e.preventDefault();
          void join();
        }}
      >
        <h1>{title || 'Join meeting'}</h1>
        <label>
          Your name
          <input data-testid="name-input" value={name} maxLength={LIMITS.nameChars} autoFocus placeholder="Enter your name" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        {devices.cameras.length > 1 && (
          <label>
            Camera
            <select value={camId ?? camera?.getSettings().deviceId} onChange={(e) => setCamId((e.target as HTMLSelectElement).value)}>
              {devices.cameras.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>{d.label || `Camera ${i + 1}`}</option>
              ))}
            </select>
          </label>
        )}
        {devices.mics.length > 1 && (
          <label>
            Microphone
            <select value={micId ?? mic?.getSettings().deviceId} onChange={(e) => setMicId((e.target as HTMLSelectElement).value)}>
              {devices.mics.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>{d.label || `Microphone ${i + 1}`}</option>
              ))}
            </select>
          </label>
        )}
        {camWanted && camError && <p class="hint error" data-testid="camera-error">{camError}</p>}
        {micWanted && micError && <p class="hint error" data-testid="mic-error">{micError}</p>}
        <button type="submit" class="primary" data-testid="join-button" disabled={!clean || joining}>
          {joining ? 'Joining…' : 'Join meeting'}
        </button>
      </form>
    </div>
  );
}

/** Tracks given to the meeting must survive the pre-join screen's unmount. */
const handedOver = new WeakSet<MediaStreamTrack>();

/**
 * Starts one preview capture and records it in `pending`; returns the effect
 * cleanup, which stops the track unless it was handed over to the meeting.
 */
function capture(
  pending: { current: Promise<MediaStreamTrack | null> },
  open: () => Promise<MediaStreamTrack>,
  setTrack: (t: MediaStreamTrack | null) => void,
  setError: (e: unknown) => void,
  wanted: boolean,
  setDevices: (d: DeviceLists) => void,
): (() => void) | undefined {
  if (!wanted) {
    pending.current = Promise.resolve(null);
    return undefined;
  }
  let cancelled = false;
  pending.current = open().then(
    (t) => {
      if (cancelled) {
        t.stop();
        return null;
      }
      setTrack(t);
      setError(null);
      void listDevices().then(setDevices);
      return t;
    },
    (e: unknown) => {
      if (!cancelled) setError(e);
      return null;
    },
  );
  const mine = pending.current;
  return () => {
    cancelled = true;
    void mine.then((t) => {
      if (t && !handedOver.has(t)) t.stop();
    });
    setTrack(null);
  };
}
