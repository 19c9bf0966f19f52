import { useState } from 'preact/hooks';
import type { ParticipantInfo } from '@parley/protocol';
import { t } from '../i18n/index.ts';
import { IconButton, StatusIcon } from '../ui/icons.tsx';
import type { MeetingSession } from './session.ts';
import { EllipsisVertical as EllipsisVerticalIcon, Hand as HandIcon, Mic as MicIcon, MicOff as MicOffIcon, ScreenShare as ScreenShareIcon, Video as VideoIcon, VideoOff as VideoOffIcon, X as XIcon } from 'lucide';

/** Raised hands first (in the order they were raised), then by arrival. */
function order(a: ParticipantInfo, b: ParticipantInfo): number {
  if (a.handRaisedAt !== null || b.handRaisedAt !== null) {
    if (a.handRaisedAt === null) return 1;
    if (b.handRaisedAt === null) return -1;
    return a.handRaisedAt - b.handRaisedAt;
  }
  return a.joinedAt - b.joinedAt;
}

/**
 * What removing someone does, said before it is done: without accounts a
 * meeting knows a person only by this browser, so the link still lets them
 * in from another one unless someone keeps the door.
 */
function kickExplanation(name: string, waitingRoom: boolean, password: boolean, passwordSkips: boolean): string {
  if (waitingRoom && password && passwordSkips) return t('meeting.participants.kickExplainPasswordSkips', { name });
  if (waitingRoom) return t('meeting.participants.kickExplainWaitingRoom', { name });
  if (password) return t('meeting.participants.kickExplainPassword', { name });
  return t('meeting.participants.kickExplainOpen', { name });
}

/** Lets someone draw on shared screens, or takes it back (moderators, and whoever shares a screen). */
function DrawPermission({ session, p }: { session: MeetingSession; p: ParticipantInfo }) {
  const allowed = session.drawing.drawers.value.has(p.id);
  return (
    <button type="button" class="small" data-testid="allow-draw" onClick={() => void session.drawing.allow(p.id, !allowed)}>
      {allowed ? t('meeting.participants.revokeDraw') : t('meeting.participants.allowDraw')}
    </button>
  );
}

/** A moderator's actions on one participant; the server checks every one. */
function ModeratorActions({ session, p }: { session: MeetingSession; p: ParticipantInfo }) {
  const [kicking, setKicking] = useState(false);
  const [reason, setReason] = useState('');
  const [lockDoor, setLockDoor] = useState(true);
  const s = session.moderation.settings.value;
  const mic = p.producers.find((x) => x.source === 'mic');
  const cam = p.producers.find((x) => x.source === 'camera');
  const id = p.id;
  return (
    <div class="mod-actions" role="group" aria-label={t('meeting.participants.actionsFor', { name: p.name })} data-testid="moderator-actions">
      {mic && !mic.paused && (
        <button type="button" class="small" data-testid="mute" onClick={() => void session.moderation.moderate('moderation:mute', { participantId: id, kind: 'audio' })}>
          {t('meeting.participants.mute')}
        </button>
      )}
      {cam && !cam.paused && (
        <button type="button" class="small" data-testid="stop-camera" onClick={() => void session.moderation.moderate('moderation:mute', { participantId: id, kind: 'video' })}>
          {t('meeting.participants.stopCamera')}
        </button>
      )}
      {/* Asking is a request, fine for a fellow moderator too (as in Jitsi). */}
      {(!mic || mic.paused) && (
        <button type="button" class="small" data-testid="ask-unmute" onClick={() => void session.moderation.moderate('moderation:askToUnmute', { participantId: id, kind: 'audio' })}>
          {t('meeting.participants.askUnmute')}
        </button>
      )}
      {p.role !== 'moderator' && s?.audioModeration && p.allowed.audio && (
        <button type="button" class="small" data-testid="revoke-audio" onClick={() => void session.moderation.moderate('moderation:allow', { participantId: id, kind: 'audio', allowed: false })}>
          {t('meeting.participants.revokeSpeaking')}
        </button>
      )}
      {p.role !== 'moderator' && s?.videoModeration && (
        <button type="button" class="small" data-testid="allow-video" onClick={() => void session.moderation.moderate('moderation:allow', { participantId: id, kind: 'video', allowed: !p.allowed.video })}>
          {p.allowed.video ? t('meeting.participants.revokeVideo') : t('meeting.participants.allowVideo')}
        </button>
      )}
      {p.handRaisedAt !== null && (
        <button type="button" class="small" data-testid="lower-hand" onClick={() => void session.moderation.moderate('moderation:lowerHand', { participantId: id })}>
          {t('meeting.participants.lowerHand')}
        </button>
      )}
      {p.role !== 'moderator' && <DrawPermission session={session} p={p} />}
      {p.role !== 'moderator' && (
        <button type="button" class="small" data-testid="grant-moderator" onClick={() => void session.moderation.moderate('moderation:grant', { participantId: id })}>
          {t('meeting.participants.makeModerator')}
        </button>
      )}
      {kicking ? (
        <form
          class="kick-form"
          data-testid="kick-form"
          onSubmit={(e) => {
            e.preventDefault();
            void session.moderation.moderate('moderation:kick', {
              participantId: id,
              ...(reason.trim() ? { reason: reason.trim() } : {}),
              ...(lockDoor && !s?.waitingRoom ? { waitingRoom: true as const } : {}),
            });
            setKicking(false);
          }}
        >
          <p class="dim small-text" data-testid="kick-explain">
            {kickExplanation(p.name, Boolean(s?.waitingRoom), Boolean(s?.passwordSet), Boolean(s?.passwordSkipsWaitingRoom))}
          </p>
          {!s?.waitingRoom && (
            <label class="check">
              <input type="checkbox" data-testid="kick-waiting-room" checked={lockDoor} onChange={(e) => setLockDoor((e.target as HTMLInputElement).checked)} />
              {t('meeting.participants.kickWaitingRoom')}
            </label>
          )}
          <label class="field">
            <span>{t('meeting.participants.kickReason')}</span>
            <input data-testid="kick-reason" maxLength={200} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>
          <div class="row">
            <button type="submit" class="small danger" data-testid="kick-confirm">
              {t('meeting.participants.kickConfirm')}
            </button>
            <button type="button" class="small" onClick={() => setKicking(false)}>
              {t('meeting.participants.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <button type="button" class="small danger" data-testid="kick" onClick={() => setKicking(true)}>
          {t('meeting.participants.kick')}
        </button>
      )}
    </div>
  );
}

/** Lower case, without accents: "élise" is found by "eli" and "Elise". */
const folded = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

export function ParticipantsPanel({ session, onClose, onBreakout, onCapture }: { session: MeetingSession; onClose: () => void; onBreakout: () => void; onCapture: () => void }) {
  const me = session.participantId;
  const [query, setQuery] = useState('');
  const [openFor, setOpenFor] = useState<string | null>(null);
  const everyone = [...session.participants.value.values()].sort(order);
  const q = folded(query.trim());
  const people = q ? everyone.filter((p) => folded(p.name).includes(q)) : everyone;
  const moderator = session.isModerator;
  // Whoever shares a screen may let others draw on it (as the moderators may).
  const sharing = session.media.screenTrack.value !== null;
  return (
    <aside class="panel" aria-label={t('meeting.participants.title')} data-testid="participants-panel">
      <header class="panel-head">
        <h2>{t('meeting.participants.heading', { count: everyone.length })}</h2>
        <IconButton icon={XIcon} label={t('meeting.participants.close')} size={18} onClick={onClose} />
      </header>
      {(moderator || (session.breakout.state.value?.rooms.length ?? 0) > 0) && (
        <div class="mod-bar">
          <button type="button" class="small" data-testid="open-breakout" onClick={onBreakout}>
            {t('meeting.participants.breakout')}
          </button>
          {moderator && (
            // The toolbar has no room for it on a phone: recording opens from here there.
            <button type="button" class="small" data-testid="open-capture" onClick={onCapture}>
              {t('meeting.participants.capture')}
            </button>
          )}
          {moderator && (
            <button type="button" class="small" data-testid="panel-board" onClick={() => void session.drawing.setBoard(!session.drawing.board.value)}>
              {session.drawing.board.value ? t('meeting.draw.closeBoard') : t('meeting.draw.openBoard')}
            </button>
          )}
        </div>
      )}
      {moderator && (
        <div class="mod-bar">
          <button type="button" class="small" data-testid="mute-all" onClick={() => void session.moderation.moderate('moderation:muteAll', { kind: 'audio' })}>
            {t('meeting.participants.muteAll')}
          </button>
          <button type="button" class="small" data-testid="stop-all-cameras" onClick={() => void session.moderation.moderate('moderation:muteAll', { kind: 'video' })}>
            {t('meeting.participants.stopAllCameras')}
          </button>
          <button type="button" class="small" data-testid="renounce" onClick={() => void session.moderation.moderate('moderation:renounce', {})}>
            {t('meeting.participants.renounce')}
          </button>
        </div>
      )}
      <input
        type="search"
        class="people-search"
        data-testid="people-search"
        placeholder={t('meeting.participants.search')}
        aria-label={t('meeting.participants.search')}
        value={query}
        onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
      />
      {people.length === 0 && <p class="dim small-text people-none">{t('meeting.participants.noMatch')}</p>}
      <ul class="people">
        {people.map((p) => {
          const mic = p.producers.find((x) => x.source === 'mic');
          const cam = p.producers.find((x) => x.source === 'camera');
          const micOn = mic !== undefined && !mic.paused;
          const camOn = cam !== undefined && !cam.paused;
          return (
            <li key={p.id} class="person" data-testid="participant-row" data-participant-id={p.id} data-hand={p.handRaisedAt !== null ? 'raised' : 'down'}>
              <span class="person-name">
                {p.name}
                {p.id === me && <span class="dim"> {t('meeting.participants.you')}</span>}
                {p.role === 'moderator' && <span class="role">{t('meeting.participants.moderator')}</span>}
                {p.connection === 'reconnecting' && <span class="dim"> {t('meeting.participants.reconnecting')}</span>}
              </span>
              <span class="person-state">
                {p.handRaisedAt !== null && (
                  <StatusIcon icon={HandIcon} label={t('meeting.participants.handRaised')} class="hand" />
                )}
                {p.producers.some((x) => x.source === 'screen') && (
                  <StatusIcon icon={ScreenShareIcon} label={t('meeting.participants.sharing')} />
                )}
                <StatusIcon icon={micOn ? MicIcon : MicOffIcon} label={micOn ? t('meeting.participants.micOn') : t('meeting.participants.micOff')} class={micOn ? '' : 'dim'} />
                <StatusIcon icon={camOn ? VideoIcon : VideoOffIcon} label={camOn ? t('meeting.participants.cameraOn') : t('meeting.participants.cameraOff')} class={camOn ? '' : 'dim'} />
              </span>
              {(moderator || (sharing && p.role !== 'moderator')) && p.id !== me && (
                <IconButton
                  icon={EllipsisVerticalIcon}
                  label={t('meeting.participants.actionsFor', { name: p.name })}
                  size={18}
                  class="person-menu-btn"
                  aria-expanded={openFor === p.id}
                  data-testid="person-menu"
                  onClick={() => setOpenFor(openFor === p.id ? null : p.id)}
                />
              )}
              {moderator && p.id !== me && openFor === p.id && <ModeratorActions session={session} p={p} />}
              {!moderator && sharing && p.id !== me && openFor === p.id && p.role !== 'moderator' && (
                <div class="mod-actions" role="group" aria-label={t('meeting.participants.actionsFor', { name: p.name })} data-testid="sharer-actions">
                  <DrawPermission session={session} p={p} />
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
