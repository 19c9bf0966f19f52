import { useEffect, useRef } from 'preact/hooks';
import { screenSurface, type ParticipantInfo, type ProducerId } from '@parley/protocol';
import { DrawLayer } from '../drawing/DrawLayer.tsx';
import { DrawTools } from '../drawing/DrawTools.tsx';
import { t } from '../i18n/index.ts';
import { Icon, IconButton, StatusIcon } from '../ui/icons.tsx';
import { SmoothVideo, Video } from '../ui/Video.tsx';
import type { MeetingSession } from './session.ts';
import type { ShownReaction } from '../talk/store.ts';
import { Hand as HandIcon, Lock as LockIcon, MicOff as MicOffIcon, PenLine as PenLineIcon, Pin as PinIcon, PinOff as PinOffIcon, ScreenShare as ScreenShareIcon } from 'lucide';

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
  /** Pins (or unpins) this tile on the stage: from its pin button, or a double click. */
  onPin?: () => void;
  /** It is the one pinned now (the button unpins). */
  pinned?: boolean;
  /** On the stage: a change of track (the next speaker) shows without a black flash. */
  onStage?: boolean;
  /** Our own screen: a placeholder instead of a picture of the picture (and a way to stop). */
  onStopSharing?: () => void;
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
export function Tile({ session, participant, track, producerId, isSelf, speaking, reactions, kind = 'camera', onPin, pinned = false, onStage = false, onStopSharing }: TileProps) {
  const ref = useRef<HTMLDivElement>(null);
  const mic = participant.producers.find((p) => p.source === 'mic');
  const micOff = isSelf ? !session.media.micTrack.value || session.media.micMuted.value : !mic || mic.paused;
  const camPaused = participant.producers.find((p) => p.source === kind)?.paused ?? false;
  const showVideo = track !== null && !camPaused;
  // A shared screen is a surface to draw on while it is shared (a new share starts blank).
  const screenProducer = kind === 'screen' ? participant.producers.find((p) => p.source === 'screen') : undefined;
  const surface = screenProducer ? screenSurface(screenProducer.id) : null;
  const drawing = session.drawing;
  // Only the sharer's own screen tile depends on the strokes (its preview); the layer redraws itself.
  if (surface && isSelf) void drawing.version.value;
  const drawingHere = surface !== null && drawing.active.value === surface;
  const mayDraw = surface !== null && drawing.mayDrawOnScreen(participant.id);
  // The sharer sees their own screen (not the placeholder) to draw on it, or to see what others drew.
  const ownPreview = surface !== null && isSelf && (drawingHere || drawing.strokes(surface).length > 0);
  useEffect(
    () => () => {
      if (surface && drawing.active.value === surface) drawing.active.value = null;
    },
    [surface],
  );

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
      data-pinned={pinned ? 'true' : 'false'}
      onDblClick={onPin}
    >
      {kind === 'screen' && isSelf && onStopSharing && !ownPreview ? (
        // As in Jitsi: the sharer sees that they share, not their screen inside their screen.
        <div class="sharing-placeholder" data-testid="sharing-placeholder">
          <Icon icon={ScreenShareIcon} size={32} />
          <p>{t('meeting.tile.youAreSharing')}</p>
          <div class="row">
            <button type="button" class="primary" data-testid="stop-sharing" onClick={onStopSharing}>
              {t('meeting.toolbar.stopSharing')}
            </button>
            {surface && (
              <button type="button" data-testid="draw-start" onClick={() => (drawing.active.value = surface)}>
                {t('meeting.draw.onMyScreen')}
              </button>
            )}
          </div>
        </div>
      ) : showVideo && onStage && kind === 'camera' ? (
        <SmoothVideo track={track} mirror={isSelf} fit="cover" />
      ) : showVideo ? (
        <Video track={track} mirror={isSelf && kind === 'camera'} fit={kind === 'screen' ? 'contain' : 'cover'} />
      ) : (
        <div class="avatar" aria-hidden="true">
          {initials(participant.name)}
        </div>
      )}
      {surface && (!isSelf || ownPreview) && <DrawLayer store={drawing} surface={surface} drawing={drawingHere} />}
      {surface && drawingHere && (
        <DrawTools store={drawing} surface={surface} sharer={participant.id} closeLabel={t('meeting.draw.stop')} onClose={() => (drawing.active.value = null)} />
      )}
      {surface && !drawingHere && mayDraw && (!isSelf || ownPreview) && (
        <IconButton icon={PenLineIcon} label={t('meeting.draw.start')} size={16} class="tile-draw" data-testid="draw-start" onClick={() => (drawing.active.value = surface)} />
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
      {onPin && (
        <IconButton
          icon={pinned ? PinOffIcon : PinIcon}
          label={pinned ? t('meeting.tile.unpin', { name: participant.name }) : t('meeting.tile.pin', { name: participant.name })}
          size={16}
          class={`tile-pin ${pinned ? 'on' : ''}`}
          data-testid="tile-pin"
          onClick={onPin}
        />
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
