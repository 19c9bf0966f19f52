// Where captures live in the drive, and the small JSON files beside them:
// the recorder writes them, the server lists, reads and shares them. One
// definition for both sides, so neither can move a file the other looks for.
import type { LiveStatusReply } from './events.ts';
import type { MeetingId } from './ids.ts';

export const captureKeys = {
  /** Recordings belong to the meeting's folder (its owner's, once accounts exist). */
  recordingsOf: (meetingId: string) => `meetings/${meetingId}/recordings/`,
  recordingFolder: (meetingId: string, captureId: string) => `meetings/${meetingId}/recordings/${captureId}/`,
  /** A live stream's public folder: its name is the unguessable viewer id. */
  liveFolder: (liveId: string) => `live/${liveId}/`,
  /** The recording's description, beside its MP4 (RecordingMeta). */
  recordingMeta: 'recording.json',
  /** The title its organizer gave it (RecordingTitle); the recorder never writes it. */
  recordingTitle: 'title.json',
  /** A live stream's state, the one file kept after it ends (LiveStatusFile). */
  liveStatus: 'status.json',
  /** The recorder's sliding-window state of a stream's playlist. */
  livePlaylistState: 'playlist.json',
} as const;

/** What the recorder writes next to each recording (recording.json). */
export interface RecordingMeta {
  id: string;
  meetingId: MeetingId;
  startedAt: number;
  seconds: number;
  bytes: number;
  /** The MP4's name in the recording's folder; null when it failed. */
  file: string | null;
  error: string | null;
  /** How many recorder runs (parts) the recording was joined from. */
  parts?: number;
}

/** title.json beside a recording: the name its organizer gave it. */
export interface RecordingTitle {
  title: string;
}

/** A live stream's status.json: what GET /api/live/:id answers from, on any node. */
export interface LiveStatusFile {
  state: LiveStatusReply['state'];
  title: string;
  endsAt: number | null;
}
