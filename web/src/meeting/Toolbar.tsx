import { useState } from 'preact/hooks';
import { REACTIONS, type Reaction } from '@parley/protocol';
import { formatNumber } from '../i18n/format.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { Icon, type IconNode } from '../ui/icons.tsx';
import { reactionSoundsEnabled } from '../reactions/sound.ts';
import type { MeetingSession } from './session.ts';
import { CircleDot as CircleDotIcon, FaceSlightlySmiling as FaceSlightlySmilingIcon, Hand as HandIcon, LayoutGrid as LayoutGridIcon, MessageSquare as MessageSquareIcon, Mic as MicIcon, MicOff as MicOffIcon, PhoneOff as PhoneOffIcon, Presentation as PresentationIcon, ScreenShare as ScreenShareIcon, Settings as SettingsIcon, Users as UsersIcon, Video as VideoIcon, VideoOff as VideoOffIcon } from 'lucide';

export type Panel = 'chat' | 'participants' | 'breakout' | 'capture' | 'settings' | null;

/** Each reaction's spoken name (the emoji itself is what the button shows). */
const REACTION_NAMES: Record<Reaction, MessageKey> = {
  '👍': 'meeting.reactions.thumbsUp',
  '👏': 'meeting.reactions.applause',
  '😂': 'meeting.reactions.laugh',
  '😮': 'meeting.reactions.surprise',
  '❤️': 'meeting.reactions.love',
  '🎉': 'meeting.reactions.celebrate',
  '🤔': 'meeting.reactions.thinking',
  '👋': 'meeting.reactions.wave',
};

function Button(props: { icon: IconNode; label: string; name?: string; active?: boolean; danger?: boolean; off?: boolean; wideOnly?: boolean; badge?: number; testid: string; onClick: () => void }) {
  return (
    <button
      type="button"
      class={`tool ${props.active ? 'active' : ''} ${props.danger ? 'danger' : ''} ${props.off ? 'off' : ''} ${props.wideOnly ? 'wide-only' : ''}`}
      title={props.label}
      aria-label={props.name ?? props.label}
      aria-pressed={props.active ?? undefined}
      data-testid={props.testid}
      onClick={props.onClick}
    >
      <Icon icon={props.icon} />
      {props.badge ? (
        <span class="badge" aria-hidden="true" data-testid={`${props.testid}-badge`}>
          {props.badge > 99 ? `${formatNumber(99)}+` : formatNumber(props.badge)}
        </span>
      ) : null}
    </button>
  );
}

export function Toolbar({ session, panel, setPanel, unread, onLeave }: { session: MeetingSession; panel: Panel; setPanel: (p: Panel) => void; unread: number; onLeave: () => void }) {
  const [reactionsOpen, setReactionsOpen] = useState(false);
  const [leaveOpen, setLeaveOpen] = useState(false);
  const micOn = session.media.micTrack.value !== null && !session.media.micMuted.value;
  const camOn = session.media.cameraTrack.value !== null;
  const sharing = session.media.screenTrack.value !== null;
  const hand = (session.self.value?.handRaisedAt ?? null) !== null;
  const toggle = (p: Exclude<Panel, null>) => setPanel(panel === p ? null : p);
  const canShare = typeof navigator.mediaDevices?.getDisplayMedia === 'function';
  const chatBadge = panel === 'chat' ? 0 : unread;
  return (
    <div class="toolbar" role="toolbar" aria-label={t('meeting.toolbar.label')}>
      <Button
        icon={micOn ? MicIcon : MicOffIcon}
        label={micOn ? t('meeting.toolbar.mute') : t('meeting.toolbar.unmute')}
        off={!micOn}
        testid="toggle-mic"
        onClick={() => void session.controls.toggleMic()}
      />
      <Button
        icon={camOn ? VideoIcon : VideoOffIcon}
        label={camOn ? t('meeting.toolbar.stopCamera') : t('meeting.toolbar.startCamera')}
        off={!camOn}
        testid="toggle-camera"
        onClick={() => void session.controls.toggleCamera()}
      />
      {canShare && (
        <Button
          icon={ScreenShareIcon}
          label={sharing ? t('meeting.toolbar.stopSharing') : t('meeting.toolbar.shareScreen')}
          active={sharing}
          testid="toggle-screen"
          onClick={() => void session.controls.toggleScreen()}
        />
      )}
      <Button
        icon={MessageSquareIcon}
        label={t('meeting.toolbar.chat')}
        name={chatBadge ? t('meeting.toolbar.chatUnread', { count: chatBadge }) : undefined}
        active={panel === 'chat'}
        badge={chatBadge}
        testid="toggle-chat"
        onClick={() => toggle('chat')}
      />
      <div class="reactions-anchor">
        <Button icon={FaceSlightlySmilingIcon} label={t('meeting.toolbar.reactions')} active={reactionsOpen} testid="open-reactions" onClick={() => setReactionsOpen(!reactionsOpen)} />
        {reactionsOpen && (
          <div class="reactions-menu" role="group" aria-label={t('meeting.toolbar.reactions')}>
            <div class="reactions-row">
              {REACTIONS.map((emoji, i) => (
                <button
                  type="button"
                  key={emoji}
                  class="reaction-btn"
                  data-testid={`reaction-${i}`}
                  aria-label={t(REACTION_NAMES[emoji])}
                  title={t(REACTION_NAMES[emoji])}
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
              {t('meeting.reactions.sounds')}
            </label>
          </div>
        )}
      </div>
      <Button
        icon={HandIcon}
        label={hand ? t('meeting.toolbar.lowerHand') : t('meeting.toolbar.raiseHand')}
        active={hand}
        testid="toggle-hand"
        onClick={() => void session.talk.setHand(!hand)}
      />
      <Button icon={UsersIcon} label={t('meeting.toolbar.participants')} active={panel === 'participants'} testid="toggle-participants" onClick={() => toggle('participants')} />
      {(session.isModerator || (session.breakout.state.value?.rooms.length ?? 0) > 0) && (
        // On phones the toolbar has no room to spare: breakout rooms open from the participants panel there.
        <Button icon={LayoutGridIcon} label={t('meeting.toolbar.breakout')} active={panel === 'breakout'} wideOnly testid="toggle-breakout" onClick={() => toggle('breakout')} />
      )}
      {session.isModerator && (
        <Button
          icon={PresentationIcon}
          label={session.drawing.board.value ? t('meeting.draw.closeBoard') : t('meeting.draw.openBoard')}
          active={session.drawing.board.value}
          wideOnly
          testid="toggle-board"
          onClick={() => void session.drawing.setBoard(!session.drawing.board.value)}
        />
      )}
      {session.isModerator && (
        <Button icon={CircleDotIcon} label={t('meeting.toolbar.capture')} active={panel === 'capture'} wideOnly testid="toggle-capture" onClick={() => toggle('capture')} />
      )}
      <Button icon={SettingsIcon} label={t('meeting.toolbar.settings')} active={panel === 'settings'} testid="toggle-settings" onClick={() => toggle('settings')} />
      {session.isModerator ? (
        // As in Jitsi, a moderator chooses: leave (the meeting goes on) or end it for everyone.
        <div class="reactions-anchor">
          <Button icon={PhoneOffIcon} label={t('meeting.toolbar.leave')} danger active={leaveOpen} testid="leave" onClick={() => setLeaveOpen(!leaveOpen)} />
          {leaveOpen && (
            <div class="reactions-menu leave-menu" role="group" aria-label={t('meeting.toolbar.leave')} data-testid="leave-menu">
              <button type="button" class="end" data-testid="end-for-all" onClick={() => void session.endForAll()}>
                {t('meeting.toolbar.endForAll')}
              </button>
              <button type="button" data-testid="leave-only" onClick={onLeave}>
                {t('meeting.toolbar.leaveOnly')}
              </button>
              <button type="button" onClick={() => setLeaveOpen(false)}>
                {t('meeting.toolbar.cancel')}
              </button>
            </div>
          )}
        </div>
      ) : (
        <Button icon={PhoneOffIcon} label={t('meeting.toolbar.leave')} danger testid="leave" onClick={onLeave} />
      )}
    </div>
  );
}
