import { useState } from 'preact/hooks';
import { LIMITS, type BreakoutRoomInfo, type RoomId, type RoomMember } from '@parley/protocol';
import { IconButton } from '../ui/icons.tsx';
import type { People } from '../core/session.ts';
import { formatClock, formatNumber } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import type { ModerationStore } from '../moderation/store.ts';
import type { BreakoutStore } from './store.ts';
import { X as XIcon } from 'lucide';

/** What this view needs of the meeting session (it is given the session itself). */
type BreakoutSession = People & { breakout: BreakoutStore; moderation: ModerationStore };

/** Where a moderator can send someone: the main room or any breakout room. */
function MoveTo({ session, member, current }: { session: BreakoutSession; member: RoomMember; current: RoomId | null }) {
  const rooms = session.breakout.state.value?.rooms ?? [];
  return (
    <select
      class="small"
      aria-label={t('breakout.move', { name: member.name })}
      data-testid="assign"
      data-participant-id={member.id}
      value={current ?? ''}
      onChange={(e) => {
        const value = (e.target as HTMLSelectElement).value;
        void session.moderation.moderate('breakout:assign', { participantId: member.id, roomId: value === '' ? null : value });
      }}
    >
      <option value="">{t('breakout.mainRoom')}</option>
      {rooms.map((r) => (
        <option key={r.id} value={r.id}>
          {r.name}
        </option>
      ))}
    </select>
  );
}

/** How many people are in a room: the number, and in words for screen readers and on hover. */
function Count({ n }: { n: number }) {
  const words = t('breakout.members.count', { count: n });
  return (
    <span class="dim" title={words}>
      <span aria-hidden="true">{formatNumber(n)}</span>
      <span class="sr-only">{words}</span>
    </span>
  );
}

function Members({ session, members, room }: { session: BreakoutSession; members: RoomMember[]; room: RoomId | null }) {
  const me = session.participantId;
  if (members.length === 0) return <p class="dim small-text">{t('breakout.members.empty')}</p>;
  return (
    <ul class="room-members">
      {members.map((m) => (
        <li key={m.id} data-testid="room-member" data-participant-id={m.id}>
          <span class="person-name">
            {m.name}
            {m.id === me && <span class="dim"> {t('breakout.members.you')}</span>}
            {m.role === 'moderator' && <span class="role">{t('breakout.members.moderator')}</span>}
          </span>
          {session.isModerator && m.id !== me && <MoveTo session={session} member={m} current={room} />}
        </li>
      ))}
    </ul>
  );
}

function RoomCard({ session, room }: { session: BreakoutSession; room: BreakoutRoomInfo }) {
  const [renaming, setRenaming] = useState<string | null>(null);
  const mod = session.isModerator;
  const here = session.breakout.roomId.value === room.id;
  const mayJoin = !here && (mod || session.breakout.state.value?.participantsChoose);
  return (
    <li class={`room-card ${here ? 'here' : ''}`} data-testid="breakout-room" data-room-id={room.id}>
      <header class="room-card-head">
        {renaming === null ? (
          <strong data-testid="room-name">{room.name}</strong>
        ) : (
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (renaming.trim()) void session.moderation.moderate('breakout:rename', { roomId: room.id, name: renaming.trim() });
              setRenaming(null);
            }}
          >
            <input data-testid="rename-input" aria-label={t('breakout.room.nameLabel')} maxLength={LIMITS.roomNameChars} value={renaming} onInput={(e) => setRenaming((e.target as HTMLInputElement).value)} />
            <button type="submit" class="small primary" data-testid="rename-save">
              {t('breakout.room.save')}
            </button>
          </form>
        )}
        <Count n={room.members.length} />
      </header>
      <Members session={session} members={room.members} room={room.id} />
      <div class="row wrap">
        {mayJoin && (
          <button type="button" class="small primary" data-testid="join-room" onClick={() => void session.breakout.goToRoom(room.id)}>
            {mod ? t('breakout.room.visit') : t('breakout.room.join')}
          </button>
        )}
        {mod && renaming === null && (
          <button type="button" class="small" data-testid="rename-room" onClick={() => setRenaming(room.name)}>
            {t('breakout.room.rename')}
          </button>
        )}
        {mod && room.members.length > 0 && (
          <button type="button" class="small" data-testid="close-room" onClick={() => void session.moderation.moderate('breakout:close', { roomId: room.id })}>
            {t('breakout.room.close')}
          </button>
        )}
        {mod && (
          <button type="button" class="small danger" data-testid="remove-room" onClick={() => void session.moderation.moderate('breakout:remove', { roomId: room.id })}>
            {t('breakout.room.remove')}
          </button>
        )}
      </div>
    </li>
  );
}

/** Moderators: the timer, the message to all rooms, auto-assign, close all. */
function ModeratorControls({ session }: { session: BreakoutSession }) {
  const [minutes, setMinutes] = useState('10');
  const [message, setMessage] = useState('');
  const state = session.breakout.state.value;
  const hasRooms = (state?.rooms.length ?? 0) > 0;
  // A new room is named in the moderator's language ("Salle 3"), the first number not taken (at most one more than the rooms).
  const nextName = () => {
    const taken = new Set(state?.rooms.map((r) => r.name));
    let n = (state?.rooms.length ?? 0) + 1;
    while (taken.has(t('breakout.defaultName', { n }))) n += 1;
    return t('breakout.defaultName', { n });
  };
  return (
    <div class="breakout-controls">
      <div class="row wrap">
        <button type="button" class="small primary" data-testid="add-room" onClick={() => void session.moderation.moderate('breakout:create', { name: nextName() })}>
          {t('breakout.controls.addRoom')}
        </button>
        {hasRooms && (
          <button type="button" class="small" data-testid="auto-assign" onClick={() => void session.moderation.moderate('breakout:autoAssign', {})}>
            {t('breakout.controls.autoAssign')}
          </button>
        )}
        {hasRooms && (
          <button type="button" class="small danger" data-testid="close-all-rooms" onClick={() => void session.moderation.moderate('breakout:closeAll', {})}>
            {t('breakout.controls.closeAll')}
          </button>
        )}
      </div>
      {hasRooms && (
        <>
          <label class="sound-toggle">
            <input
              type="checkbox"
              data-testid="participants-choose"
              checked={state?.participantsChoose ?? false}
              onChange={(e) => void session.moderation.moderate('breakout:settings', { participantsChoose: (e.target as HTMLInputElement).checked })}
            />
            {t('breakout.controls.participantsChoose')}
          </label>
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              const seconds = Math.round(Number(minutes) * 60);
              if (seconds >= 1) void session.moderation.moderate('breakout:timer', { seconds });
            }}
          >
            <label>
              {t('breakout.timer.label')}{' '}
              <input class="minutes" type="number" min="0.1" step="0.1" data-testid="timer-minutes" value={minutes} onInput={(e) => setMinutes((e.target as HTMLInputElement).value)} />
            </label>
            <button type="submit" class="small" data-testid="timer-start">
              {state?.endsAt ? t('breakout.timer.restart') : t('breakout.timer.start')}
            </button>
            {state?.endsAt && (
              <button type="button" class="small" data-testid="timer-stop" onClick={() => void session.moderation.moderate('breakout:timer', { seconds: null })}>
                {t('breakout.timer.stop')}
              </button>
            )}
          </form>
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (!message.trim()) return;
              void session.moderation.moderate('breakout:broadcast', { text: message.trim() }).then((sent) => sent && setMessage(''));
            }}
          >
            <input data-testid="broadcast-text" placeholder={t('breakout.broadcast.placeholder')} aria-label={t('breakout.broadcast.placeholder')} maxLength={500} value={message} onInput={(e) => setMessage((e.target as HTMLInputElement).value)} />
            <button type="submit" class="small" data-testid="broadcast-send">
              {t('breakout.broadcast.send')}
            </button>
          </form>
        </>
      )}
    </div>
  );
}

export function BreakoutPanel({ session, onClose }: { session: BreakoutSession; onClose: () => void }) {
  const state = session.breakout.state.value;
  const mod = session.isModerator;
  const inRoom = session.breakout.roomId.value !== null;
  return (
    <aside class="panel" aria-label={t('breakout.panel.title')} data-testid="breakout-panel">
      <header class="panel-head">
        <h2>{t('breakout.panel.title')}</h2>
        <IconButton icon={XIcon} label={t('breakout.panel.close')} size={18} onClick={onClose} />
      </header>
      <div class="panel-body">
        {mod && <ModeratorControls session={session} />}
        {inRoom && (mod || state?.participantsChoose) && (
          <button type="button" class="small" data-testid="back-to-main" onClick={() => void session.breakout.goToRoom(null)}>
            {t('breakout.panel.backToMain')}
          </button>
        )}
        <section class="room-card main" data-testid="main-room">
          <header class="room-card-head">
            <strong>{t('breakout.mainRoom')}</strong>
            <Count n={state?.main.length ?? 0} />
          </header>
          <Members session={session} members={state?.main ?? []} room={null} />
        </section>
        <ul class="room-list">
          {(state?.rooms ?? []).map((r) => (
            <RoomCard key={r.id} session={session} room={r} />
          ))}
        </ul>
        {!mod && (state?.rooms.length ?? 0) === 0 && <p class="dim">{t('breakout.panel.empty')}</p>}
      </div>
    </aside>
  );
}

/** In the header: which room we are in, the time left, the moderators' latest message. */
export function RoomBanner({ session, now }: { session: BreakoutSession; now: number }) {
  const roomId = session.breakout.roomId.value;
  const endsAt = session.breakout.state.value?.endsAt ?? null;
  const message = session.breakout.roomMessage.value;
  if (roomId === null && endsAt === null && !message) return null;
  const left = endsAt === null ? null : Math.max(0, Math.ceil((endsAt - now) / 1000));
  return (
    <div class="room-chip" role="status" data-testid="room-banner">
      {roomId !== null && (
        <span data-testid="current-room">
          {t('breakout.banner.room', { name: session.breakout.roomName(roomId) ?? '…' })}
        </span>
      )}
      {left !== null && (
        <span data-testid="time-left" class={left <= 60 ? 'warn-text' : ''}>
          {t('breakout.banner.timeLeft', { time: formatClock(left) })}
        </span>
      )}
      {message && (
        <span data-testid="room-message">
          {t('breakout.banner.message', { name: message.from, text: message.text })}
        </span>
      )}
      {message && (
        <IconButton icon={XIcon} label={t('breakout.banner.dismiss')} size={14} onClick={() => (session.breakout.roomMessage.value = null)} />
      )}
    </div>
  );
}
