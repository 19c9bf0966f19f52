import type { ParticipantInfo } from '@parley/protocol';
import { Icon } from '../ui/icons.tsx';
import type { MeetingSession } from './session.ts';

/** Raised hands first (in the order they were raised), then by arrival. */
function order(a: ParticipantInfo, b: ParticipantInfo): number {
  if (a.handRaisedAt !== null || b.handRaisedAt !== null) {
    if (a.handRaisedAt === null) return 1;
    if (b.handRaisedAt === null) return -1;
    return a.handRaisedAt - b.handRaisedAt;
  }
  return a.joinedAt - b.joinedAt;
}

export function ParticipantsPanel({ session, onClose }: { session: MeetingSession; onClose: () => void }) {
  const me = session.participantId;
  const people = [...session.participants.value.values()].sort(order);
  return (
    <aside class="panel" aria-label="Participants" data-testid="participants-panel">
      <header class="panel-head">
        <h2>Participants ({people.length})</h2>
        <button type="button" class="icon-btn" aria-label="Close participants" onClick={onClose}>
          <Icon name="close" size={18} />
        </button>
      </header>
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
                {p.id === me && <span class="dim"> (you)</span>}
                {p.role === 'moderator' && <span class="role">moderator</span>}
                {p.connection === 'reconnecting' && <span class="dim"> reconnecting…</span>}
              </span>
              <span class="person-state">
                {p.handRaisedAt !== null && (
                  <span class="hand" title="Hand raised">
                    <Icon name="hand" size={16} />
                  </span>
                )}
                {p.producers.some((x) => x.source === 'screen') && (
                  <span title="Sharing screen">
                    <Icon name="screen" size={16} />
                  </span>
                )}
                <span class={micOn ? '' : 'dim'} title={micOn ? 'Microphone on' : 'Microphone off'}>
                  <Icon name={micOn ? 'mic' : 'micOff'} size={16} />
                </span>
                <span class={camOn ? '' : 'dim'} title={camOn ? 'Camera on' : 'Camera off'}>
                  <Icon name={camOn ? 'camera' : 'cameraOff'} size={16} />
                </span>
              </span>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
