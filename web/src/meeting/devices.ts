// Local capture: camera, microphone, screen. Errors become sentences a person
// can act on ("allow the camera in the site settings"), never raw DOMExceptions.

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
}

export async function listDevices(): Promise<DeviceLists> {
  if (!navigator.mediaDevices?.enumerateDevices) return { mics: [], cameras: [] };
  const all = await navigator.mediaDevices.enumerateDevices();
  return {
    mics: all.filter((d) => d.kind === 'audioinput' && d.deviceId),
    cameras: all.filter((d) => d.kind === 'videoinput' && d.deviceId),
  };
}

/** A message for a failed getUserMedia / getDisplayMedia. */
export function describeMediaError(error: unknown, what: 'camera' | 'microphone' | 'screen'): string {
  const name = (error as { name?: string } | undefined)?.name;
  if (!window.isSecureContext || !navigator.mediaDevices) {
    return `Your browser only allows the ${what} on https:// pages (or localhost).`;
  }
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return what === 'screen'
        ? 'Screen sharing was cancelled or blocked.'
        : `Access to the ${what} is blocked. Allow it in your browser's site settings, then try again.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${what} was found.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${what} is in use by another application or could not be started.`;
    default:
      return `Could not start the ${what}${error instanceof Error ? `: ${error.message}` : '.'}`;
  }
}
