import type { Meeting } from '../meet/Meeting.ts';
import { lobbyRoom, meetingRoom, moderatorsRoom, participantRoom, type ParleyServer } from './context.ts';

/**
 * Translates a live meeting's domain events into socket messages. Meeting-wide
 * news goes to the meeting room (joined sockets only); per-participant news
 * to that participant's room; private chat only to its two ends.
 */
export function broadcastMeeting(io: ParleyServer, meeting: Meeting): void {
  const all = meetingRoom(meeting.id);
  const one = (pid: string) => participantRoom(meeting.id, pid);
  const mods = moderatorsRoom(meeting.id);
  const knocker = (pid: string) => lobbyRoom(meeting.id, pid);

  meeting.on('participantJoined', (info) => io.to(all).except(one(info.id)).emit('meeting:participantJoined', info));
  meeting.on('participantUpdated', (info) => io.to(all).emit('meeting:participantUpdated', info));
  meeting.on('participantLeft', (participantId, reason) => {
    io.to(all).emit('meeting:participantLeft', { participantId, reason });
    // Whoever left (or was dropped) hears nothing more of this meeting.
    io.in(one(participantId)).socketsLeave([all, one(participantId), mods]);
  });
  meeting.on('activeSpeaker', (participantId) => io.to(all).emit('meeting:activeSpeaker', { participantId }));
  meeting.on('chat', (message) => {
    if (message.to === null) io.to(all).emit('chat:message', message);
    else io.to(one(message.to)).to(one(message.from)).emit('chat:message', message);
  });
  meeting.on('reaction', (participantId, emoji, at) => io.to(all).emit('reaction:shown', { participantId, emoji, at }));
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
      if (reason !== 'renounced') io.to(one(pid)).emit('moderation:promoted', { reason, lobby: meeting.lobbyFor(pid) });
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
  meeting.on('askedToUnmute', (pid, kind, by) => io.to(one(pid)).emit('moderation:askedToUnmute', { kind, by }));
}
