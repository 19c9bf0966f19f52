// Keyboard shortcuts as Jitsi Meet has them: one letter each, never while
// typing, never with Ctrl/Cmd/Alt (the browser's own shortcuts stay), and
// Space held down to talk while muted.
import { useEffect } from 'preact/hooks';
import { t, type MessageKey } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import type { MeetingSession } from './session.ts';

export interface ShortcutActions {
  toggleChat: () => void;
  toggleTileView: () => void;
  showList: () => void;
}

/** The list the `?` dialog shows, in the order people look for them. */
export const SHORTCUTS: [key: string, what: MessageKey][] = [
  ['M', 'meeting.shortcuts.mic'],
  ['V', 'meeting.shortcuts.camera'],
  ['S', 'meeting.shortcuts.screen'],
  ['C', 'meeting.shortcuts.chat'],
  ['R', 'meeting.shortcuts.hand'],
  ['T', 'meeting.shortcuts.tileView'],
  ['Space', 'meeting.shortcuts.pushToTalk'],
  ['?', 'meeting.shortcuts.list'],
];

/** Whether a key press belongs to what has focus (a field, a button, a menu), not to the meeting. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return Boolean(el?.closest?.('input, textarea, select, [contenteditable=""], [contenteditable="true"], dialog'));
}

export function useShortcuts(session: MeetingSession, actions: ShortcutActions): void {
  useEffect(() => {
    // Space held down unmutes for as long as it is held (only when it was muted).
    let talking = false;
    const down = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (e.key === ' ' || e.code === 'Space') {
        // On a focused button Space presses the button, as it should.
        if ((e.target as HTMLElement | null)?.closest?.('button, a[href], summary')) return;
        e.preventDefault();
        if (e.repeat || talking) return;
        if (session.media.micTrack.value && session.media.micMuted.value) {
          talking = true;
          void session.controls.toggleMic();
        }
        return;
      }
      if (e.repeat) return;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      const run: Record<string, () => void> = {
        m: () => void session.controls.toggleMic(),
        v: () => void session.controls.toggleCamera(),
        s: () => {
          if (typeof navigator.mediaDevices?.getDisplayMedia === 'function') void session.controls.toggleScreen();
        },
        c: actions.toggleChat,
        r: () => void session.talk.setHand((session.self.value?.handRaisedAt ?? null) === null),
        t: actions.toggleTileView,
        '?': actions.showList,
      };
      const action = run[key];
      if (!action) return;
      e.preventDefault();
      action();
    };
    const up = (e: KeyboardEvent) => {
      if ((e.key === ' ' || e.code === 'Space') && talking) {
        talking = false;
        if (!session.media.micMuted.value) void session.controls.toggleMic();
      }
    };
    // Leaving the window with Space held must not leave the mic open.
    const blur = () => {
      if (!talking) return;
      talking = false;
      if (!session.media.micMuted.value) void session.controls.toggleMic();
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  }, [session]);
}

export function ShortcutsDialog({ close }: { close: () => void }) {
  return (
    <Dialog title={t('meeting.shortcuts.title')} close={close}>
      <dl class="shortcuts" data-testid="shortcuts-list">
        {SHORTCUTS.map(([key, what]) => (
          <div class="shortcut" key={key}>
            <dt>
              <kbd>{key === 'Space' ? t('meeting.shortcuts.space') : key}</kbd>
            </dt>
            <dd>{t(what)}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
