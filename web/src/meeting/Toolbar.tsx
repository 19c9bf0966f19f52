import { useState } from 'preact/hooks';
import { REACTIONS } from '@parley/protocol';
import { Icon, type IconName } from '../ui/icons.tsx';
import { reactionSoundsEnabled } from '../reactions/sound.ts';
import type { MeetingSession } from './session.ts';

export type Panel = 'chat' | 'participants' | 'breakout' | 'capture' | 'settings' | null;

function Button(props: { icon: IconName; label: string; active?: boolean; danger?: boolean; off?: boolean; wideOnly?: boolean; badge?: number; testid: string; onClick: () => void }) {
  return (
    <button
      type="button"
      class={`tool ${props.active ? 'active' : ''} ${props.danger ? 'danger' : ''} ${props.off ? 'off' : ''} ${props.wideOnly ? 'wide-only' : ''}`}
      title={props.label}
      aria-label={props.label}
      aria-pressed={props.active ?? undefined}
      data-testid={props.testid}
      onClick={props.onClick}
    >
      <Icon name={props.icon} />
      {props.badge ? <span class="badge" data-testid={`${props.testid}-badge`}>{props.badge > 99 ? '99+' : props.badge}</span> : null}
    </button>
  );
}

export function Toolbar({ session, panel, setPanel, unread, onLeave }: { session: MeetingSession; panel: Panel; setPanel: (p: Panel) => void; unread: number; onLeave: () => void }) {
  const [reactionsOpen, setReactionsOpen] = useState(false);
  const micOn = session.media.micTrack.value !== null && !session.media.micMuted.value;
  const camOn = session.media.cameraTrack.value !== null;
  const sharing = session.media.screenTrack.value !== null;
  const hand = (session.self.value?.handRaisedAt ?? null) !== null;
  const toggle = (p: Exclude<Panel, null>) => setPanel(panel === p ? null : p);
  const canShare = typeof navigator.mediaDevices?.getDisplayMedia === 'function';
  return (
    <div class="toolbar" role="toolbar" aria-label="Meeting controls">
      <Button icon={micOn ? 'mic' : 'micOff'} label={micOn ? 'Mute microphone' : 'Unmute microphone'} off={!micOn} testid="toggle-mic" onClick={() => void session.controls.toggleMic()} />
      <Button icon={camOn ? 'camera' : 'cameraOff'} label={camOn ? 'Stop camera' : 'Start camera'} off={!camOn} testid="toggle-camera" onClick={() => void session.controls.toggleCamera()} />
      {canShare && <Button icon="screen" label={sharing ? 'Stop sharing' : 'Share screen'} active={sharing} testid="toggle-screen" onClick={() => void session.controls.toggleScreen()} />}
      <Button icon="chat" label="Chat" active={panel === 'chat'} badge={panel === 'chat' ? 0 : unread} testid="toggle-chat" onClick={() => toggle('chat')} />
      <div class="reactions-anchor">
        <Button icon="smile" label="Reactions" active={reactionsOpen} testid="open-reactions" onClick={() => setReactionsOpen(!reactionsOpen)} />
        {reactionsOpen && (
          <div class="reactions-menu" role="menu">
            <div class="reactions-row">
              {REACTIONS.map((emoji, i) => (
                <button
                  type="button"
                  key={emoji}
                  class="reaction-btn"
                  data-testid={`reaction-${i}`}
                  aria-label={`React ${emoji}`}
                  onClick={() => {
                    void session.talk.react(emoji);
                    setReactionsOpen(false);
                  }}
                >
                  {emoji}
                </button>
              ))}
            </div>
            <label class="sound-toggle">
              <input
                type="checkbox"
                data-testid="reaction-sounds"
                checked={reactionSoundsEnabled.value}
                onChange={(e) => (reactionSoundsEnabled.value = (e.target as HTMLInputElement).checked)}
              />
              Reaction sounds
            </label>
          </div>
        )}
      </div>
      <Button icon="hand" label={hand ? 'Lower hand' : 'Raise hand'} active={hand} testid="toggle-hand" onClick={() => void session.talk.setHand(!hand)} />
      <Button icon="people" label="Participants" active={panel === 'participants'} testid="toggle-participants" onClick={() => toggle('participants')} />
      {(session.isModerator || (session.breakout.state.value?.rooms.length ?? 0) > 0) && (
        // On phones the toolbar has no room to spare: breakout rooms open from the participants panel there.
        <Button icon="rooms" label="Breakout rooms" active={panel === 'breakout'} wideOnly testid="toggle-breakout" onClick={() => toggle('breakout')} />
      )}
      {session.isModerator && (
        <Button icon="record" label="Record and stream" active={panel === 'capture'} wideOnly testid="toggle-capture" onClick={() => toggle('capture')} />
      )}
      <Button icon="settings" label="Settings" active={panel === 'settings'} testid="toggle-settings" onClick={() => toggle('settings')} />
      <Button icon="leave" label="Leave meeting" danger testid="leave" onClick={onLeave} />
    </div>
  );
}
