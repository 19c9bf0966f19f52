import { useState } from 'preact/hooks';
import { LIMITS, type BreakoutRoomInfo, type RoomId, type RoomMember } from '@parley/protocol';
import { Icon } from '../ui/icons.tsx';
import type { People } from '../core/session.ts';
import type { ModerationStore } from '../moderation/store.ts';
import type { BreakoutStore } from './store.ts';

/** What this view needs of the meeting session (it is given the session itself). */
type BreakoutSession = People & { breakout: BreakoutStore; moderation: ModerationStore };

/** Where a moderator can send someone: the main room or any breakout room. */
function MoveTo({ session, member, current }: { session: BreakoutSession; member: RoomMember; current: RoomId | null }) {
  const rooms = session.breakout.state.value?.rooms ?? [];
  return (
    <select
      class="small"
      aria-label={`Move ${member.name}`}
      data-testid="assign"
      data-participant-id={member.id}
      value={current ?? ''}
      onChange={(e) => {
        const value = (e.target as HTMLSelectElement).value;
        void session.moderation.moderate('breakout:assign', { participantId: member.id, roomId: value === '' ? null : value });
      }}
    >
      <option value="">Main room</option>
      {rooms.map((r) => (
        <option key={r.id} value={r.id}>
          {r.name}
        </option>
      ))}
    </select>
  );
}

function Members({ session, members, room }: { session: BreakoutSession; members: RoomMember[]; room: RoomId | null }) {
  const me = session.participantId;
  if (members.length === 0) return <p class="dim small-text">Nobody here yet.</p>;
  return (
    <ul class="room-members">
      {members.map((m) => (
        <li key={m.id} data-testid="room-member" data-participant-id={m.id}>
          <span class="person-name">
            {m.name}
            {m.id === me && <span class="dim"> (you)</span>}
            {m.role === 'moderator' && <span class="role">moderator</span>}
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
            <input data-testid="rename-input" maxLength={LIMITS.roomNameChars} value={renaming} onInput={(e) => setRenaming((e.target as HTMLInputElement).value)} />
            <button type="submit" class="small primary" data-testid="rename-save">
              Save
            </button>
          </form>
        )}
        <span class="dim">{room.members.length}</span>
      </header>
      <Members session={session} members={room.members} room={room.id} />
      <div class="row wrap">
        {mayJoin && (
          <button type="button" class="small primary" data-testid="join-room" onClick={() => void session.breakout.goToRoom(room.id)}>
            {mod ? 'Visit' : 'Join'}
          </button>
        )}
        {mod && renaming === null && (
          <button type="button" class="small" data-testid="rename-room" onClick={() => setRenaming(room.name)}>
            Rename
          </button>
        )}
        {mod && room.members.length > 0 && (
          <button type="button" class="small" data-testid="close-room" onClick={() => void session.moderation.moderate('breakout:close', { roomId: room.id })}>
            Close room
          </button>
        )}
        {mod && (
          <button type="button" class="small danger" data-testid="remove-room" onClick={() => void session.moderation.moderate('breakout:remove', { roomId: room.id })}>
            Remove
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
  return (
    <div class="breakout-controls">
      <div class="row wrap">
        <button type="button" class="small primary" data-testid="add-room" onClick={() => void session.moderation.moderate('breakout:create', {})}>
          Add room
        </button>
        {hasRooms && (
          <button type="button" class="small" data-testid="auto-assign" onClick={() => void session.moderation.moderate('breakout:autoAssign', {})}>
            Auto-assign
          </button>
        )}
        {hasRooms && (
          <button type="button" class="small danger" data-testid="close-all-rooms" onClick={() => void session.moderation.moderate('breakout:closeAll', {})}>
            Close all rooms
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
            Let participants choose a room
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
              Timer{' '}
              <input class="minutes" type="number" min="0.1" step="0.1" data-testid="timer-minutes" value={minutes} onInput={(e) => setMinutes((e.target as HTMLInputElement).value)} /> min
            </label>
            <button type="submit" class="small" data-testid="timer-start">
              {state?.endsAt ? 'Restart' : 'Start'}
            </button>
            {state?.endsAt && (
              <button type="button" class="small" data-testid="timer-stop" onClick={() => void session.moderation.moderate('breakout:timer', { seconds: null })}>
                Stop
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
            <input data-testid="broadcast-text" placeholder="Message to all rooms" maxLength={500} value={message} onInput={(e) => setMessage((e.target as HTMLInputElement).value)} />
            <button type="submit" class="small" data-testid="broadcast-send">
              Send
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
    <aside class="panel" aria-label="Breakout rooms" data-testid="breakout-panel">
      <header class="panel-head">
        <h2>Breakout rooms</h2>
        <button type="button" class="icon-btn" aria-label="Close breakout rooms" onClick={onClose}>
          <Icon name="close" size={18} />
        </button>
      </header>
      <div class="panel-body">
        {mod && <ModeratorControls session={session} />}
        {inRoom && (mod || state?.participantsChoose) && (
          <button type="button" class="small" data-testid="back-to-main" onClick={() => void session.breakout.goToRoom(null)}>
            Back to the main room
          </button>
        )}
        <section class="room-card main" data-testid="main-room">
          <header class="room-card-head">
            <strong>Main room</strong>
            <span class="dim">{state?.main.length ?? 0}</span>
          </header>
          <Members session={session} members={state?.main ?? []} room={null} />
        </section>
        <ul class="room-list">
          {(state?.rooms ?? []).map((r) => (
            <RoomCard key={r.id} session={session} room={r} />
          ))}
        </ul>
        {!mod && (state?.rooms.length ?? 0) === 0 && <p class="dim">No breakout rooms yet.</p>}
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
          In breakout room <strong>{session.breakout.roomName(roomId) ?? '…'}</strong>
        </span>
      )}
      {left !== null && (
        <span data-testid="time-left" class={left <= 60 ? 'warn-text' : ''}>
          {Math.floor(left / 60)}:{String(left % 60).padStart(2, '0')} left
        </span>
      )}
      {message && (
        <span data-testid="room-message">
          {message.from}: {message.text}
        </span>
      )}
      {message && (
        <button type="button" class="icon-btn" aria-label="Dismiss message" onClick={() => (session.breakout.roomMessage.value = null)}>
          <Icon name="close" size={14} />
        </button>
      )}
    </div>
  );
}
