import { useEffect, useRef, useState } from 'preact/hooks';
import { LIMITS } from '@parley/protocol';
import { sessionToken } from '../account/session.ts';
import { t } from '../i18n/index.ts';
import { Preferences } from '../prefs/Preferences.tsx';
import { Icon } from '../ui/icons.tsx';
import { Video } from '../ui/Video.tsx';
import { describeMediaError, getCameraTrack, getMicTrack, listDevices, type DeviceLists } from './devices.ts';
import { MicLevel } from './MicLevel.tsx';
import { OutputChoice } from './OutputChoice.tsx';
import { Mic as MicIcon, MicOff as MicOffIcon, Video as VideoIcon, VideoOff as VideoOffIcon } from 'lucide';

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
  // The failures themselves: their sentences are made at render, in the language of the moment.
  const [camError, setCamError] = useState<{ error: unknown } | null>(null);
  const [micError, setMicError] = useState<{ error: unknown } | null>(null);
  const [devices, setDevices] = useState<DeviceLists>({ mics: [], cameras: [], speakers: [] });
  const [camId, setCamId] = useState<string | undefined>();
  const [micId, setMicId] = useState<string | undefined>();

  // The capture in progress for each device: "Join" waits for it, so a quick
  // click does not join without camera or microphone.
  const pendingCam = useRef<Promise<MediaStreamTrack | null>>(Promise.resolve(null));
  const pendingMic = useRef<Promise<MediaStreamTrack | null>>(Promise.resolve(null));
  const [joining, setJoining] = useState(false);

  useEffect(
    () => capture(pendingCam, () => getCameraTrack(camId), setCamera, (e) => setCamError(e === null ? null : { error: e }), camWanted, setDevices),
    [camWanted, camId],
  );
  useEffect(
    () => capture(pendingMic, () => getMicTrack(micId), setMic, (e) => setMicError(e === null ? null : { error: e }), micWanted, setDevices),
    [micWanted, micId],
  );

  // The meeting's first sentence with a number in it ("3 in meeting") makes
  // the browser load its number and plural rules for the language: ~50 ms
  // measured in bench/join-latency's profile. Done here, while the person
  // looks at their preview, it is not done between Join and the first picture.
  useEffect(() => {
    const warm = () => void t('meeting.room.count', { count: 2 });
    if (typeof requestIdleCallback === 'function') {
      const id = requestIdleCallback(warm, { timeout: 300 });
      return () => cancelIdleCallback(id);
    }
    const id = setTimeout(warm, 50);
    return () => clearTimeout(id);
  }, []);

  const clean = name.trim();
  const join = async () => {
    if (!clean || joining) return;
    setJoining(true);
    localStorage.setItem('parley:name', clean);
    const [m, c] = await Promise.all([micWanted ? pendingMic.current : null, camWanted ? pendingCam.current : null]);
    for (const track of [m, c]) if (track) handedOver.add(track);
    onJoin({ name: clean, mic: m, camera: c, micMuted: false });
  };

  return (
    <div class="prejoin" data-testid="prejoin">
      <div class="preview">
        {camera && camWanted ? <Video track={camera} mirror /> : <div class="avatar big">{clean ? clean[0]!.toUpperCase() : '?'}</div>}
        <div class="preview-tools">
          <button
            type="button"
            class={`tool ${micWanted ? '' : 'off'}`}
            aria-label={micWanted ? t('meeting.prejoin.micOff') : t('meeting.prejoin.micOn')}
            title={micWanted ? t('meeting.prejoin.micOff') : t('meeting.prejoin.micOn')}
            data-testid="prejoin-mic"
            onClick={() => setMicWanted(!micWanted)}
          >
            <Icon icon={micWanted ? MicIcon : MicOffIcon} />
          </button>
          <button
            type="button"
            class={`tool ${camWanted ? '' : 'off'}`}
            aria-label={camWanted ? t('meeting.prejoin.cameraOff') : t('meeting.prejoin.cameraOn')}
            title={camWanted ? t('meeting.prejoin.cameraOff') : t('meeting.prejoin.cameraOn')}
            data-testid="prejoin-camera"
            onClick={() => setCamWanted(!camWanted)}
          >
            <Icon icon={camWanted ? VideoIcon : VideoOffIcon} />
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
        <div class="page-corner">
          <Preferences sessionToken={sessionToken.value} />
        </div>
        <h1>{title || t('meeting.prejoin.heading')}</h1>
        <label>
          {t('meeting.prejoin.nameLabel')}
          <input
            data-testid="name-input"
            value={name}
            maxLength={LIMITS.nameChars}
            autoFocus
            placeholder={t('meeting.prejoin.namePlaceholder')}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </label>
        {devices.cameras.length > 1 && (
          <label>
            {t('meeting.devices.camera')}
            <select value={camId ?? camera?.getSettings().deviceId} onChange={(e) => setCamId((e.target as HTMLSelectElement).value)}>
              {devices.cameras.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || t('meeting.devices.cameraNumber', { number: i + 1 })}
                </option>
              ))}
            </select>
          </label>
        )}
        {devices.mics.length > 1 && (
          <label>
            {t('meeting.devices.microphone')}
            <select value={micId ?? mic?.getSettings().deviceId} onChange={(e) => setMicId((e.target as HTMLSelectElement).value)}>
              {devices.mics.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || t('meeting.devices.microphoneNumber', { number: i + 1 })}
                </option>
              ))}
            </select>
          </label>
        )}
        {micWanted && mic && <MicLevel track={mic} />}
        <OutputChoice speakers={devices.speakers} />
        {camWanted && camError && <p class="hint error" data-testid="camera-error">{describeMediaError(camError.error, 'camera')}</p>}
        {micWanted && micError && <p class="hint error" data-testid="mic-error">{describeMediaError(micError.error, 'microphone')}</p>}
        <button type="submit" class="primary" data-testid="join-button" disabled={!clean || joining}>
          {joining ? t('meeting.prejoin.joining') : t('meeting.prejoin.join')}
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
  setTrack: (track: MediaStreamTrack | null) => void,
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
    (track) => {
      if (cancelled) {
        track.stop();
        return null;
      }
      setTrack(track);
      setError(null);
      void listDevices().then(setDevices);
      return track;
    },
    (e: unknown) => {
      if (!cancelled) setError(e);
      return null;
    },
  );
  const mine = pending.current;
  return () => {
    cancelled = true;
    void mine.then((track) => {
      if (track && !handedOver.has(track)) track.stop();
    });
    setTrack(null);
  };
}
