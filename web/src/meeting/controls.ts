// Our own microphone, camera and screen: what the toolbar and the settings
// do with them, and what the meeting's rules and moderators do to them
// (start muted, hard moderation, "a moderator muted you").
import type { JoinResult, MediaKind } from '@parley/protocol';
import { RequestError } from '@parley/protocol';
import type { ModerationStore } from '../moderation/store.ts';
import type { SessionCore } from '../core/session.ts';
import { describeMediaError, getCameraTrack, getMicTrack, getScreenTracks } from './devices.ts';
import type { MediaLink } from './media.ts';
import { t } from '../i18n/index.ts';

export class MediaControls {
  readonly #core: SessionCore;
  readonly #link: MediaLink;
  readonly #moderation: ModerationStore;

  constructor(core: SessionCore, link: MediaLink, moderation: ModerationStore) {
    this.#core = core;
    this.#link = link;
    this.#moderation = moderation;
  }

  async toggleMic(): Promise<void> {
    const track = this.#link.micTrack.value;
    if (!track) {
      try {
        this.#link.micTrack.value = await getMicTrack();
      } catch (error) {
        this.#core.notify(describeMediaError(error, 'microphone'));
        return;
      }
      this.#link.micMuted.value = false;
      await this.#link.produce('mic', this.#link.micTrack.value);
      return;
    }
    const muted = !this.#link.micMuted.value;
    if (!muted && this.#moderation.moderated('audio')) {
      this.#core.notify(t('meeting.controls.speakModerated'));
      return;
    }
    this.#link.micMuted.value = muted;
    track.enabled = !muted;
    if (!muted) this.#moderation.askedToUnmute.value = null;
    const producer = this.#link.producer('mic');
    if (producer) {
      if (muted) producer.pause();
      else producer.resume();
      await this.#core.request('media:setProducerPaused', { producerId: producer.id, paused: muted }).catch((error: unknown) => {
        // Refused (moderated meanwhile): show the truth, muted.
        if (!muted && error instanceof RequestError && error.code === 'MODERATED') {
          this.#link.micMuted.value = true;
          track.enabled = false;
          producer.pause();
          this.#core.notify(t('meeting.controls.speakModerated'));
        }
      });
    }
  }

  async toggleCamera(): Promise<void> {
    const track = this.#link.cameraTrack.value;
    if (!track && this.#moderation.moderated('video')) {
      this.#core.notify(t('meeting.controls.videoModerated'));
      return;
    }
    if (track) {
      // Camera off stops capture (the light goes off), as people expect.
      this.#link.cameraTrack.value = null;
      track.stop();
      await this.#link.closeProducer('camera');
      return;
    }
    try {
      this.#link.cameraTrack.value = await getCameraTrack();
    } catch (error) {
      this.#core.notify(describeMediaError(error, 'camera'));
      return;
    }
    await this.#link.produce('camera', this.#link.cameraTrack.value);
  }

  async toggleScreen(): Promise<void> {
    if (this.#link.screenTrack.value) {
      await this.#link.stopScreen();
      return;
    }
    if (this.#moderation.moderated('video')) {
      this.#core.notify(t('meeting.controls.shareModerated'));
      return;
    }
    let tracks: Awaited<ReturnType<typeof getScreenTracks>>;
    try {
      tracks = await getScreenTracks();
    } catch (error) {
      this.#core.notify(describeMediaError(error, 'screen'));
      return;
    }
    this.#link.setScreen(tracks.video, tracks.audio);
    // The browser's own "Stop sharing" button ends the track.
    tracks.video.addEventListener('ended', () => void this.#link.stopScreen());
    await this.#link.produce('screen', tracks.video);
    if (tracks.audio) await this.#link.produce('screenAudio', tracks.audio);
  }

  async switchDevice(kind: 'mic' | 'camera', deviceId: string): Promise<void> {
    try {
      const track = kind === 'mic' ? await getMicTrack(deviceId) : await getCameraTrack(deviceId);
      const sig = kind === 'mic' ? this.#link.micTrack : this.#link.cameraTrack;
      const old = sig.value;
      if (kind === 'mic') track.enabled = !this.#link.micMuted.value;
      sig.value = track;
      const producer = this.#link.producer(kind);
      if (producer) await producer.replaceTrack({ track });
      else if (this.#link.live) await this.#link.produce(kind, track);
      old?.stop();
    } catch (error) {
      this.#core.notify(describeMediaError(error, kind === 'mic' ? 'microphone' : 'camera'));
    }
  }

  /** The server paused our mic or camera (a moderator, start muted, moderation switched on). */
  mutedByServer(kind: MediaKind, by: string | null, reason: 'moderator' | 'start-muted' | 'moderation-on'): void {
    if (kind === 'audio') {
      this.#link.micMuted.value = true;
      if (this.#link.micTrack.value) this.#link.micTrack.value.enabled = false;
      this.#link.producer('mic')?.pause();
    } else {
      const track = this.#link.cameraTrack.value;
      if (track) {
        this.#link.cameraTrack.value = null;
        track.stop();
        void this.#link.closeProducer('camera');
      }
      if (reason !== 'start-muted' && this.#link.screenTrack.value && this.#moderation.moderated('video')) void this.#link.stopScreen();
    }
    if (reason === 'moderator') {
      if (kind === 'audio') this.#core.notify(by ? t('meeting.controls.mutedBy', { name: by }) : t('meeting.controls.mutedByModerator'));
      else this.#core.notify(by ? t('meeting.controls.cameraOffBy', { name: by }) : t('meeting.controls.cameraOffByModerator'));
    } else if (reason === 'moderation-on') this.#core.notify(kind === 'audio' ? t('meeting.controls.speakModeratedNow') : t('meeting.controls.videoModeratedNow'));
    else this.#core.notify(kind === 'audio' ? t('meeting.controls.startMuted') : t('meeting.controls.startCameraOff'));
  }

  /**
   * A fresh joiner follows the meeting's rules before sending anything: start
   * muted / camera off, and no unmuted mic or camera under hard moderation.
   * (The server enforces them too; this keeps the screen truthful.)
   */
  applyStartRules(res: JoinResult): void {
    const s = res.settings;
    const mod = res.self.role === 'moderator';
    if (((!mod && s.startMuted) || this.#moderation.moderated('audio')) && !this.#link.micMuted.value) {
      this.#link.micMuted.value = true;
      if (this.#link.micTrack.value) this.#link.micTrack.value.enabled = false;
      this.#core.notify(s.startMuted ? t('meeting.controls.startMuted') : t('meeting.controls.speakModerated'));
    }
    if (((!mod && s.startCameraOff) || this.#moderation.moderated('video')) && this.#link.cameraTrack.value) {
      this.#link.cameraTrack.value.stop();
      this.#link.cameraTrack.value = null;
    }
  }
}
