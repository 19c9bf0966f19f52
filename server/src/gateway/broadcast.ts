import type { MoveReason, RoomId } from '@parley/protocol';
import type { Meeting } from '../meet/Meeting.ts';
import { lobbyRoom, meetingRoom, moderatorsRoom, participantRoom, roomRoom, type ParleyServer } from './context.ts';

/**
 * Translates a live meeting's domain events into socket messages. Meeting-wide
 * news goes to the meeting room (joined sockets only); what happens in one
 * room (main or breakout) to that room; per-participant news to that
 * participant's room; private chat only to its two ends.
 */
export function broadcastMeeting(io: ParleyServer, meeting: Meeting): void {
  const all = meetingRoom(meeting.id);
  const one = (pid: string) => participantRoom(meeting.id, pid);
  const mods = moderatorsRoom(meeting.id);
  const knocker = (pid: string) => lobbyRoom(meeting.id, pid);
  const room = (roomId: string | null) => roomRoom(meeting.id, roomId);

  meeting.on('participantJoined', (info, r) => io.to(room(r)).except(one(info.id)).emit('meeting:participantJoined', info));
  meeting.on('participantUpdated', (info, r) => io.to(room(r)).emit('meeting:participantUpdated', info));
  meeting.on('participantLeft', (participantId, reason, r) => {
    io.to(room(r)).emit('meeting:participantLeft', { participantId, reason });
    // Whoever left (or was dropped) hears nothing more of this meeting.
    io.in(one(participantId)).socketsLeave([all, one(participantId), mods, room(r)]);
  });
  meeting.on('activeSpeaker', (r, participantId) => io.to(room(r)).emit('meeting:activeSpeaker', { participantId }));
  meeting.on('talk', (message, r) => {
    if (message.to === null) io.to(room(r)).emit('talk:message', message);
    else io.to(one(message.to)).to(one(message.from)).emit('talk:message', message);
  });
  meeting.on('reaction', (participantId, emoji, at, r) => io.to(room(r)).emit('reaction:shown', { participantId, emoji, at }));
  meeting.on('drawStroke', (r, surface, stroke, author) => io.to(room(r)).except(one(author)).emit('draw:stroke', { surface, stroke }));
  meeting.on('drawRemoved', (r, surface, by, id) => io.to(room(r)).emit('draw:removed', { surface, by, id }));
  meeting.on('drawCleared', (r, surface, by) => io.to(room(r)).emit('draw:cleared', { surface, by }));
  meeting.on('drawMeta', (r, board, drawers) => io.to(room(r)).emit('draw:meta', { board, drawers }));
  meeting.on('mediaReset', (pid) => io.to(one(pid)).emit('media:reset', { reason: 'worker-died' }));
  meeting.on('consumerClosed', (pid, consumerId) => io.to(one(pid)).emit('media:consumerClosed', { consumerId }));
  meeting.on('consumerPaused', (pid, consumerId, producerPaused) =>
    io.to(one(pid)).emit('media:consumerPaused', { consumerId, producerPaused }),
  );
  meeting.on('consumerLayers', (pid, consumerId, spatialLayer) =>
    io.to(one(pid)).emit('media:consumerLayers', { consumerId, spatialLayer }),
  );
  meeting.on('sessionReplaced', (pid, oldSocketId) => {
    io.to(oldSocketId).emit('session:replaced', {});
    io.in(oldSocketId).socketsLeave([all, one(pid), mods]);
    io.in(oldSocketId).disconnectSockets(true);
  });

  // ---- moderation and the waiting room ----
  meeting.on('roleChanged', (pid, role, reason) => {
    if (role === 'moderator') {
      io.in(one(pid)).socketsJoin(mods);
      if (reason !== 'renounced') io.to(one(pid)).emit('moderation:promoted', { reason, lobby: meeting.door.listFor(pid) });
    } else {
      io.in(one(pid)).socketsLeave(mods);
    }
  });
  meeting.on('settings', (settings) => io.to(all).emit('meeting:settings', settings));
  // Waiting people are visible to moderators only.
  meeting.on('knocking', (k) => io.to(mods).emit('lobby:knocking', k));
  meeting.on('lobbyLeft', (participantId, reason) => io.to(mods).emit('lobby:left', { participantId, reason }));
  meeting.on('admitted', (pid) => io.to(knocker(pid)).emit('lobby:admitted', {}));
  meeting.on('denied', (pid, reason) => {
    io.to(knocker(pid)).emit('lobby:denied', { reason });
    io.in(knocker(pid)).socketsLeave(knocker(pid));
  });
  meeting.on('kicked', (pid, reason, by) => io.to(one(pid)).emit('moderation:kicked', { reason, by }));
  meeting.on('muted', (pid, kind, by, reason) => io.to(one(pid)).emit('moderation:muted', { kind, by, reason }));
  // ---- breakout rooms ----
  meeting.on('moved', (moves) => {
    // Sockets follow first, so that what is said below reaches the rooms as
    // they are now: a mover hears nothing more of the room it left.
    for (const m of moves) {
      io.in(one(m.id)).socketsLeave(room(m.from));
      io.in(one(m.id)).socketsJoin(room(m.to));
    }
    // Movers learn their new room from their own snapshot; the others there
    // hear of each arrival once. (Not each mover of the batch about each
    // other: with everyone returning at once that would be n^2 messages.)
    const arrivals = new Map<string | null, string[]>();
    for (const m of moves) arrivals.set(m.to, [...(arrivals.get(m.to) ?? []), one(m.id)]);
    for (const m of moves) {
      io.to(room(m.from)).emit('meeting:participantLeft', { participantId: m.id, reason: 'moved' });
      if (!meeting.has(m.id)) continue;
      io.to(room(m.to)).except(arrivals.get(m.to)!).emit('meeting:participantJoined', meeting.participant(m.id).info());
    }
    // Everyone arriving in one room gets the same snapshot: one emit per
    // room, encoded once, unless someone's private messages make their chat
    // their own.
    const groups = new Map<string, { to: RoomId | null; reason: MoveReason; sockets: string[] }>();
    for (const m of moves) {
      if (!meeting.has(m.id)) continue;
      const talk = meeting.talk.messagesFor(m.id);
      if (talk.some((c) => c.to !== null)) {
        io.to(one(m.id)).emit('breakout:moved', { roomId: m.to, reason: m.reason, snapshot: meeting.snapshot(m.to), talk });
        continue;
      }
      const key = `${m.to ?? ''}\n${m.reason}`;
      const group = groups.get(key) ?? { to: m.to, reason: m.reason, sockets: [] };
      group.sockets.push(one(m.id));
      groups.set(key, group);
    }
    for (const g of groups.values()) {
      io.to(g.sockets).emit('breakout:moved', { roomId: g.to, reason: g.reason, snapshot: meeting.snapshot(g.to), talk: meeting.talk.publicMessages(g.to) });
    }
  });
  meeting.on('breakoutState', (state) => io.to(all).emit('breakout:state', state));
  meeting.on('breakoutEnding', (endsAt) => io.to(all).emit('breakout:ending', { endsAt }));
  meeting.on('breakoutMessage', (from, text, at) => io.to(all).emit('breakout:message', { from, text, at }));
  meeting.on('ended', (by, knockers) => {
    io.to(all).to(knockers.map(knocker)).emit('meeting:ended', { reason: 'ended', by });
    // The meeting is gone: its sockets are let go, after the message (same
    // link, same order) and after the moderator's own answer, which is sent
    // once this handler has returned.
    setImmediate(() => {
      io.in(all).disconnectSockets(true);
      for (const k of knockers) io.in(knocker(k)).disconnectSockets(true);
    });
  });
  meeting.on('askedToUnmute', (pid, kind, by) => io.to(one(pid)).emit('moderation:askedToUnmute', { kind, by }));
}
