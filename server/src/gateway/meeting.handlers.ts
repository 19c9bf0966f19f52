import type { types } from 'mediasoup';
import type { JoinResult, ParticipantId, RtpCapabilitiesWire } from '@parley/protocol';
import { checkRtpCapabilities } from '@parley/sfu';
import type { Captures } from '../capture/Captures.ts';
import type { Meetings } from '../meet/Meetings.ts';
import { RATES, lobbyRoom, meetingRoom, moderatorsRoom, participantRoom, roomRoom, type SocketContext } from './context.ts';
import { InvalidRequest } from '../lib/errors.ts';
import { NotJoined } from '../meet/errors.ts';

export function meetingHandlers(ctx: SocketContext, meetings: Meetings, captures: Captures): void {
  const { socket } = ctx;
  const pid = socket.data.participantId;

  ctx.handle('meeting:join', async ({ rtpCapabilities, password }): Promise<JoinResult> => {
    // Checked before joining: a refused join must not leave a participant
    // behind that the others see and the client believes absent.
    if (rtpCapabilities) checkRtpCapabilities(rtpCapabilities);
    const meeting = await meetings.open(socket.data.meetingId);
    // A moderator token's grant is checked at each join, not only when it was
    // issued: a replaced moderator link, or an account no longer named, no
    // longer makes a moderator (one already in the meeting keeps its place).
    if (socket.data.moderator && !meeting.has(pid) && !(await meetings.grantHolds(meeting.id, socket.data.grant ?? undefined))) socket.data.moderator = false;
    const { participant, resumed } = await meeting.join(
      { id: pid, name: socket.data.name, moderator: socket.data.moderator, device: socket.data.device },
      socket.id,
      { password, client: socket.data.address },
    );
    ctx.meeting = meeting;
    ctx.knocking = undefined;
    socket.data.joined = true;
    if (socket.disconnected) {
      // The connection dropped while the join was in flight, so the
      // disconnect handler saw an unjoined socket: start the resume window
      // here, or the participant would stay "connected" forever.
      meeting.disconnected(pid, socket.id);
      throw new NotJoined('the connection closed during the join');
    }
    // Rooms only after the join is accepted: a socket outside the meeting
    // receives nothing of it.
    await socket.leave(lobbyRoom(meeting.id, pid));
    const rooms = [meetingRoom(meeting.id), participantRoom(meeting.id, pid), roomRoom(meeting.id, participant.room)];
    if (participant.role === 'moderator') rooms.push(moderatorsRoom(meeting.id));
    await socket.join(rooms);
    const media = rtpCapabilities ? await meeting.media.setup(pid, rtpCapabilities as types.RtpCapabilities) : null;
    return {
      self: participant.info(),
      snapshot: meeting.snapshotFor(pid),
      talk: meeting.talk.messagesFor(pid),
      routerRtpCapabilities: meeting.media.routerRtpCapabilities(pid) as RtpCapabilitiesWire,
      resumed,
      transports: meeting.media.transportsOf(pid),
      media,
      settings: meeting.settings,
      lobby: meeting.door.listFor(pid),
      breakout: meeting.breakouts.state(),
      capture: captures.state(meeting.id),
      drawing: meeting.drawing.stateFor(participant.id),
    };
  });

  // A knocker is not joined: it has a socket in its own lobby room and
  // hears nothing but "admitted" or "denied".
  ctx.handle('lobby:knock', async () => {
    if (socket.data.joined && ctx.meeting?.has(pid)) throw new InvalidRequest('already in the meeting');
    const meeting = await meetings.open(socket.data.meetingId);
    ctx.knocking = meeting;
    await socket.join(lobbyRoom(meeting.id, pid));
    try {
      meeting.door.knock({ id: pid, name: socket.data.name, device: socket.data.device, address: socket.data.address }, socket.id);
    } catch (error) {
      ctx.knocking = undefined;
      await socket.leave(lobbyRoom(meeting.id, pid));
      throw error;
    }
    return { password: meeting.door.passwordOpensDoor(pid, socket.data.device) };
  }, RATES.knock);
  ctx.handle('lobby:cancel', () => {
    const meeting = ctx.knocking;
    if (!meeting) throw new NotJoined('not knocking');
    ctx.knocking = undefined;
    void socket.leave(lobbyRoom(meeting.id, pid));
    meeting.door.cancelKnock(pid);
  });

  ctx.handle('meeting:leave', async (p) => {
    const meeting = ctx.joined();
    socket.data.joined = false;
    ctx.meeting = undefined;
    socket.leave(meetingRoom(meeting.id));
    socket.leave(participantRoom(meeting.id, pid));
    socket.leave(moderatorsRoom(meeting.id));
    socket.leave(roomRoom(meeting.id, meeting.roomOf(pid)));
    meeting.leave(pid as ParticipantId, 'left', { mayReturn: p.unload === true });
  });

  socket.on('disconnect', () => {
    if (socket.data.joined && ctx.meeting) ctx.meeting.disconnected(pid, socket.id);
    // A knocker who goes away disappears from the waiting list.
    ctx.knocking?.door.cancelKnock(pid, socket.id);
  });
}

