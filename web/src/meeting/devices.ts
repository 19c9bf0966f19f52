// Local capture: camera, microphone, screen. Errors become sentences a person
// can act on ("allow the camera in the site settings"), never raw DOMExceptions.
import { t } from '../i18n/index.ts';

export const CAMERA_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30, max: 30 },
};

export async function getMicTrack(deviceId?: string): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  return stream.getAudioTracks()[0]!;
}

export async function getCameraTrack(deviceId?: string): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { ...CAMERA_CONSTRAINTS, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) },
  });
  const track = stream.getVideoTracks()[0]!;
  track.contentHint = 'motion';
  return track;
}

export async function getScreenTracks(): Promise<{ video: MediaStreamTrack; audio: MediaStreamTrack | null }> {
  const stream = await navigator.mediaDevices.getDisplayMedia({
    video: { frameRate: { ideal: 15, max: 30 } },
    // Tab or system audio where the browser offers it.
    audio: true,
  });
  const video = stream.getVideoTracks()[0]!;
  video.contentHint = 'detail';
  return { video, audio: stream.getAudioTracks()[0] ?? null };
}

export interface DeviceLists {
  mics: MediaDeviceInfo[];
  cameras: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
}

export async function listDevices(): Promise<DeviceLists> {
  if (!navigator.mediaDevices?.enumerateDevices) return { mics: [], cameras: [], speakers: [] };
  const all = await navigator.mediaDevices.enumerateDevices();
  return {
    mics: all.filter((d) => d.kind === 'audioinput' && d.deviceId),
    cameras: all.filter((d) => d.kind === 'videoinput' && d.deviceId),
    // 'default' is the system's choice, offered as such.
    speakers: all.filter((d) => d.kind === 'audiooutput' && d.deviceId && d.deviceId !== 'default'),
  };
}

/** A message for a failed getUserMedia / getDisplayMedia, in the page's language. */
export function describeMediaError(error: unknown, what: 'camera' | 'microphone' | 'screen'): string {
  const name = (error as { name?: string } | undefined)?.name;
  const device = what;
  if (!window.isSecureContext || !navigator.mediaDevices) return t('meeting.devices.insecure', { device });
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return what === 'screen' ? t('meeting.devices.screenBlocked') : t('meeting.devices.blocked', { device });
    case 'NotFoundError':
    case 'OverconstrainedError':
      return t('meeting.devices.notFound', { device });
    case 'NotReadableError':
    case 'AbortError':
      return t('meeting.devices.inUse', { device });
    default:
      return error instanceof Error ? t('meeting.devices.failedDetail', { device, detail: error.message }) : t('meeting.devices.failed', { device });
  }
}
