import { useEffect, useRef } from 'preact/hooks';
import type { ParticipantInfo, ProducerId } from '@parley/protocol';
import { t } from '../i18n/index.ts';
import { Icon, StatusIcon } from '../ui/icons.tsx';
import { Video } from '../ui/Video.tsx';
import type { MeetingSession } from './session.ts';
import type { ShownReaction } from '../talk/store.ts';
import { Hand as HandIcon, Lock as LockIcon, MicOff as MicOffIcon } from 'lucide';

interface TileProps {
  session: MeetingSession;
  participant: ParticipantInfo;
  /** Video to show: the remote camera/screen or, for self, the local track. */
  track: MediaStreamTrack | null;
  /** Remote video's producer, so the tile can ask for its layer and pause it when unseen. */
  producerId?: ProducerId;
  isSelf: boolean;
  speaking: boolean;
  reactions: ShownReaction[];
  kind?: 'camera' | 'screen';
  /** Click to pin (or unpin) this tile on the stage. */
  onPin?: () => void;
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

/** The tile's label: the name, which tile is ours, and which shows a screen. */
function tileName(name: string, isSelf: boolean, kind: 'camera' | 'screen'): string {
  if (kind === 'screen') return isSelf ? t('meeting.tile.yourScreen', { name }) : t('meeting.tile.screen', { name });
  return isSelf ? t('meeting.tile.you', { name }) : name;
}

/**
 * One participant's tile. It tells the session what it needs: the simulcast
 * layer that fits its size on screen, and no video at all while it is not
 * visible (scrolled away, or the page hidden).
 */
export function Tile({ session, participant, track, producerId, isSelf, speaking, reactions, kind = 'camera', onPin }: TileProps) {
  const ref = useRef<HTMLDivElement>(null);
  const mic = participant.producers.find((p) => p.source === 'mic');
  const micOff = isSelf ? !session.media.micTrack.value || session.media.micMuted.value : !mic || mic.paused;
  const camPaused = participant.producers.find((p) => p.source === kind)?.paused ?? false;
  const showVideo = track !== null && !camPaused;

  useEffect(() => {
    const el = ref.current;
    if (!el || !producerId) return;
    let visible = true;
    let pageVisible = document.visibilityState === 'visible';
    const apply = () => session.media.setVisible(producerId, visible && pageVisible);
    const io = new IntersectionObserver((entries) => {
      visible = entries.some((e) => e.isIntersecting);
      apply();
    });
    io.observe(el);
    const onPage = () => {
      pageVisible = document.visibilityState === 'visible';
      apply();
    };
    document.addEventListener('visibilitychange', onPage);
    const ro = new ResizeObserver(() => {
      const h = el.clientHeight * (window.devicePixelRatio || 1);
      // Layers are 1/4, 1/2 and full 720p: pick the smallest that fills the tile.
      session.media.setPreferredLayer(producerId, h > 360 ? 2 : h > 180 ? 1 : 0);
    });
    ro.observe(el);
    return () => {
      io.disconnect();
      ro.disconnect();
      document.removeEventListener('visibilitychange', onPage);
    };
  }, [producerId]);

  return (
    <div
      ref={ref}
      class={`tile ${speaking ? 'speaking' : ''} ${kind === 'screen' ? 'tile-screen' : ''}`}
      data-testid={kind === 'screen' ? 'screen-tile' : 'tile'}
      data-participant-id={participant.id}
      data-name={participant.name}
      data-video={showVideo ? 'on' : 'off'}
      data-speaking={speaking ? 'true' : 'false'}
      onDblClick={onPin}
      title={onPin ? t('meeting.tile.pinHint') : undefined}
    >
      {showVideo ? (
        <Video track={track} mirror={isSelf && kind === 'camera'} fit={kind === 'screen' ? 'contain' : 'cover'} />
      ) : (
        <div class="avatar" aria-hidden="true">
          {initials(participant.name)}
        </div>
      )}
      <div class="tile-label">
        {micOff && kind === 'camera' && (
          <StatusIcon icon={MicOffIcon} label={t('meeting.tile.micOff')} class="muted-icon" data-testid="tile-muted" />
        )}
        {participant.e2ee && kind === 'camera' && (
          <StatusIcon icon={LockIcon} label={t('meeting.tile.e2ee')} size={14} class="e2ee-icon" data-testid="tile-e2ee" />
        )}
        <span class="tile-name">{tileName(participant.name, isSelf, kind)}</span>
      </div>
      {participant.handRaisedAt !== null && kind === 'camera' && (
        <div class="tile-hand" role="img" aria-label={t('meeting.tile.handRaised')} title={t('meeting.tile.handRaised')} data-testid="tile-hand">
          <Icon icon={HandIcon} size={20} />
        </div>
      )}
      {participant.connection === 'reconnecting' && <div class="tile-reconnecting">{t('meeting.tile.reconnecting')}</div>}
      <div class="tile-reactions">
        {reactions.map((r) => (
          <span key={r.key} class="reaction-float" data-testid="reaction">
            {r.emoji}
          </span>
        ))}
      </div>
    </div>
  );
}
