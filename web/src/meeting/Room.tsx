import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ParticipantInfo } from '@parley/protocol';
import { t } from '../i18n/index.ts';
import { TalkPanel } from '../talk/TalkPanel.tsx';
import { Icon } from '../ui/icons.tsx';
import { Audio } from '../ui/Video.tsx';
import { ParticipantsPanel } from './ParticipantsPanel.tsx';
import type { MeetingSession } from './session.ts';
import type { RemoteStream } from './media.ts';
import { SettingsPanel } from './SettingsPanel.tsx';
import { Tile } from './Tile.tsx';
import { ShortcutsDialog, useShortcuts } from './shortcuts.tsx';
import { Toolbar, type Panel } from './Toolbar.tsx';
import { LobbyPanel } from '../lobby/LobbyPanel.tsx';
import { BreakoutPanel, RoomBanner } from '../breakout/BreakoutPanel.tsx';
import { CaptureBadges, CapturePanel } from '../capture/CapturePanel.tsx';
import { Board } from '../drawing/Board.tsx';
import { Check as CheckIcon, Hand as HandIcon, Link as LinkIcon, MicOff as MicOffIcon } from 'lucide';
import { watchMutedSpeech } from './muted-hint.ts';
import { audioOutput } from './output.ts';

/** Smallest tile worth showing (a name label and an avatar fit); below it the grid scrolls instead. */
const MIN_TILE_W = 112;

/**
 * How n 16:9 tiles fill a w×h area with `gap` between them: the column count
 * that makes them largest, and their size in whole pixels, so that they fit
 * exactly (no tile under the toolbar or a banner, no overlap). When even the
 * best fit is too small to see, tiles keep a minimum size and the grid
 * scrolls.
 */
export function gridFit(n: number, w: number, h: number, gap: number): { cols: number; tileW: number; tileH: number; scrolls: boolean } {
  let best = { cols: 1, tileW: 0 };
  for (let cols = 1; cols <= Math.max(1, n); cols++) {
    const rows = Math.ceil(n / cols);
    const tileW = Math.min((w - gap * (cols - 1)) / cols, (((h - gap * (rows - 1)) / rows) * 16) / 9);
    if (tileW > best.tileW) best = { cols, tileW };
  }
  if (best.tileW >= MIN_TILE_W || w <= 0) {
    const tileW = Math.max(0, Math.floor(best.tileW));
    return { cols: best.cols, tileW, tileH: Math.floor((tileW * 9) / 16), scrolls: false };
  }
  const cols = Math.max(1, Math.floor((w + gap) / (MIN_TILE_W + gap)));
  const tileW = Math.floor(Math.min((w - gap * (cols - 1)) / cols, MIN_TILE_W * 1.5));
  return { cols, tileW, tileH: Math.floor((tileW * 9) / 16), scrolls: true };
}

export function Room({ session, onLeave }: { session: MeetingSession; onLeave: () => void }) {
  const [panel, setPanel] = useState<Panel>(null);
  // A clock for the breakout timer, ticking only while one runs.
  const [now, setNow] = useState(Date.now());
  const endsAt = session.breakout.state.value?.endsAt ?? null;
  useEffect(() => {
    if (endsAt === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [endsAt]);
  const [seenChat, setSeenChat] = useState(session.talk.messages.value.length);
  const [audioBlocked, setAudioBlocked] = useState<HTMLAudioElement[]>([]);
  const [copied, setCopied] = useState(false);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  // The room on screen (the join benchmark's breakdown, devtools' Performance panel).
  useEffect(() => void performance.mark('parley:room'), []);
  useEffect(
    () => watchMutedSpeech(session.media, () => session.toasts.show('muted', () => t('meeting.toast.muted'))),
    [session],
  );
  useShortcuts(session, {
    toggleChat: () => setPanel((p) => (p === 'chat' ? null : 'chat')),
    toggleTileView: () => {
      const now = session.moderation.layout;
      session.moderation.setLayout(now.mode === 'grid' ? { mode: 'stage', pinned: null } : { mode: 'grid', pinned: null });
    },
    showList: () => setShortcutsOpen(true),
  });
  const grid = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 1280, h: 720, gap: 10 });

  const me = session.self.value;
  const participants = [...session.participants.value.values()].sort((a, b) => a.joinedAt - b.joinedAt);
  const streams = [...session.media.streams.value.values()];
  const chatCount = session.talk.messages.value.length;
  useEffect(() => {
    if (panel === 'chat') setSeenChat(chatCount);
  }, [panel, chatCount]);
  // Another room brings another chat: what it already holds counts as seen,
  // and unread counting starts over from there.
  const roomId = session.breakout.roomId.value;
  useEffect(() => setSeenChat(session.talk.messages.value.length), [roomId]);
  const unread = panel === 'chat' ? 0 : Math.max(0, chatCount - seenChat);

  useEffect(() => {
    const el = grid.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight, gap: parseFloat(getComputedStyle(el).rowGap) || 0 }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const videoOf = (p: ParticipantInfo, source: 'camera' | 'screen'): RemoteStream | undefined =>
    streams.find((s) => s.participantId === p.id && s.source === source);

  // The most recent screen share takes the stage.
  const screens = useMemo(() => {
    const out: { p: ParticipantInfo; track: MediaStreamTrack | null; stream?: RemoteStream }[] = [];
    for (const p of participants) {
      if (p.id === me?.id) {
        if (session.media.screenTrack.value) out.push({ p, track: session.media.screenTrack.value });
      } else if (p.producers.some((x) => x.source === 'screen')) {
        const stream = videoOf(p, 'screen');
        out.push({ p, track: stream?.track ?? null, stream });
      }
    }
    return out;
  }, [participants, streams, session.media.screenTrack.value]);
  // What is large: the moderator's choice while "follow me" is on, else ours.
  // stage + nobody pinned: the latest screen share; stage + someone pinned:
  // their screen, else their camera; grid: nobody, screens become tiles.
  const layout = session.moderation.layout;
  type Staged = { p: ParticipantInfo; track: MediaStreamTrack | null; stream?: RemoteStream; kind: 'camera' | 'screen' };
  const cameraOf = (p: ParticipantInfo): Staged => {
    const self = p.id === me?.id;
    const stream = self ? undefined : videoOf(p, 'camera');
    return { p, track: self ? session.media.cameraTrack.value : (stream?.track ?? null), stream, kind: 'camera' };
  };
  const staged = (): Staged | undefined => {
    if (layout.mode === 'grid') return undefined;
    const pinned = layout.pinned ? participants.find((p) => p.id === layout.pinned) : undefined;
    if (!pinned) {
      if (screens.length) return { ...screens.at(-1)!, kind: 'screen' };
      // Speaker view, as in Jitsi: whoever talks (or talked last) is large,
      // never ourselves; alone, there is nobody to put there.
      const others = participants.filter((p) => p.id !== me?.id);
      if (others.length === 0) return undefined;
      return cameraOf(others.find((p) => p.id === session.stageSpeaker.value) ?? others[0]!);
    }
    const screen = screens.find((x) => x.p.id === pinned.id);
    if (screen) return { ...screen, kind: 'screen' };
    return cameraOf(pinned);
  };
  // An open whiteboard takes the stage, unless someone is pinned there.
  const boardOpen = session.drawing.board.value;
  const boardOnStage = boardOpen && layout.mode === 'stage' && !layout.pinned;
  const stage = boardOnStage ? undefined : staged();
  const hasStage = boardOnStage || stage !== undefined;
  const pin = (id: ParticipantInfo['id']) => session.moderation.setLayout(layout.pinned === id && layout.mode === 'stage' ? { mode: 'stage', pinned: null } : { mode: 'stage', pinned: id });

  const tiles = participants
    .filter((p) => !(stage?.kind === 'camera' && stage.p.id === p.id))
    .map((p) => {
      const isSelf = p.id === me?.id;
      const stream = isSelf ? undefined : videoOf(p, 'camera');
      return (
        <Tile
          key={p.id}
          session={session}
          participant={p}
          track={isSelf ? session.media.cameraTrack.value : (stream?.track ?? null)}
          producerId={stream?.producerId}
          isSelf={isSelf}
          speaking={session.activeSpeakerId.value === p.id && participants.length > 1}
          reactions={session.talk.reactions.value.filter((r) => r.participantId === p.id)}
          onPin={() => pin(p.id)}
          pinned={layout.mode === 'stage' && layout.pinned === p.id}
        />
      );
    });
  // In tile view screens are tiles like the others (and so are they beside a staged whiteboard).
  if (layout.mode === 'grid' || boardOnStage) {
    for (const sc of screens) {
      tiles.push(
        <Tile
          key={`screen-${sc.p.id}`}
          session={session}
          participant={sc.p}
          track={sc.track}
          producerId={sc.stream?.producerId}
          isSelf={sc.p.id === me?.id}
          speaking={false}
          reactions={[]}
          kind="screen"
          onStopSharing={() => void session.controls.toggleScreen()}
        />,
      );
    }
  }
  if (boardOpen && !boardOnStage) tiles.unshift(<Board key="board" store={session.drawing} people={session} />);
  const following = session.moderation.following;
  const ownLayout = Boolean(session.moderation.settings.value?.followMe && !session.isModerator && !following);

  const fit = gridFit(tiles.length, size.w, size.h, size.gap);
  const inviteUrl = `${location.origin}/m/${session.meetingId}`;

  return (
    <div class={`room ${panel ? 'with-panel' : ''}`} data-testid="room">
      <header class="room-head">
        <h1 class="room-title" data-testid="meeting-title">{session.title.value}</h1>
        <span class="count" data-testid="participant-count">
          {session.breakout.roomId.value === null ? t('meeting.room.count', { count: participants.length }) : t('meeting.room.countInRoom', { count: participants.length })}
        </span>
        {session.isModerator && <span class="role" data-testid="i-am-moderator">{t('meeting.room.moderator')}</span>}
        <CaptureBadges session={session} />
        <RoomBanner session={session} now={now} />
        <button
          type="button"
          class="link-btn"
          data-testid="layout-toggle"
          onClick={() => session.moderation.setLayout(layout.mode === 'grid' ? { mode: 'stage', pinned: null } : { mode: 'grid', pinned: null })}
        >
          {layout.mode === 'grid' ? t('meeting.room.stageView') : t('meeting.room.tileView')}
        </button>
        {following && <span class="dim" data-testid="following">{t('meeting.room.following')}</span>}
        {ownLayout && (
          <button type="button" class="link-btn" data-testid="follow-again" onClick={() => session.moderation.followAgain()}>
            {t('meeting.room.followAgain')}
          </button>
        )}
        <button
          type="button"
          class="link-btn"
          data-testid="copy-invite"
          onClick={() => {
            void navigator.clipboard?.writeText(inviteUrl).then(() => {
              setCopied(true);
              setTimeout(() => setCopied(false), 2000);
            });
          }}
        >
          <Icon icon={copied ? CheckIcon : LinkIcon} size={16} /> {copied ? t('meeting.room.linkCopied') : t('meeting.room.copyInvite')}
        </button>
        {session.code.value && (
          <span class="meeting-code dim" data-testid="meeting-code">
            {t('meeting.room.code', { code: session.code.value.replace(/(\d{3})(?=\d)/g, '$1 ') })}
          </span>
        )}
      </header>

      {/* One area for every banner: they stack, and the grid gets what is left. */}
      <div class="banners">
        {session.status.value === 'reconnecting' && (
          <div class="banner warn" role="status" data-testid="reconnecting-banner">
            {t('meeting.room.reconnecting')}
          </div>
        )}
        {session.moderation.askedToUnmute.value && session.media.micMuted.value && session.moderation.askedToUnmute.value === 'audio' && (
          <button type="button" class="banner action" data-testid="asked-to-unmute" onClick={() => void session.controls.toggleMic()}>
            {t('meeting.room.askedToUnmute')}
          </button>
        )}
        <LobbyPanel session={session} />
        {session.notice.value && (
          <div class="banner" role="status" data-testid="notice">
            {session.notice.value}
          </div>
        )}
        {audioBlocked.length > 0 && (
          <button
            type="button"
            class="banner action"
            data-testid="enable-audio"
            onClick={() => {
              for (const el of audioBlocked) void el.play().catch(() => undefined);
              setAudioBlocked([]);
            }}
          >
            {t('meeting.room.audioBlocked')}
          </button>
        )}
      </div>

      <main class={`stage-area ${hasStage ? 'has-stage' : ''}`}>
        {boardOnStage && (
          <div class="stage">
            <Board store={session.drawing} people={session} />
          </div>
        )}
        {stage && (
          <div class="stage">
            <Tile
              session={session}
              participant={stage.p}
              track={stage.track}
              producerId={stage.stream?.producerId}
              isSelf={stage.p.id === me?.id}
              speaking={stage.kind === 'camera' && session.activeSpeakerId.value === stage.p.id}
              reactions={stage.kind === 'camera' ? session.talk.reactions.value.filter((r) => r.participantId === stage.p.id) : []}
              kind={stage.kind}
              onPin={() => pin(stage.p.id)}
              pinned={layout.pinned === stage.p.id}
              onStage
              onStopSharing={() => void session.controls.toggleScreen()}
            />
          </div>
        )}
        <div ref={grid} class={`grid ${hasStage ? 'strip' : ''} ${!hasStage && fit.scrolls ? 'scrolls' : ''}`} data-testid="grid">
          {/* Rows of fit.cols tiles of one size; a last row that is not full is centred, as in Jitsi. */}
          <div
            class="tiles"
            style={hasStage ? undefined : { width: `${fit.cols * fit.tileW + (fit.cols - 1) * size.gap}px`, ['--tile-w' as string]: `${fit.tileW}px`, ['--tile-h' as string]: `${fit.tileH}px` }}
          >
            {tiles}
          </div>
        </div>
      </main>

      <div class="toasts" role="status" aria-live="polite" data-testid="toasts">
        {session.toasts.list.value.map((toast) => (
          <div key={toast.id} class={`toast toast-${toast.kind}`} data-testid={`toast-${toast.kind}`}>
            {toast.kind === 'hand' && <Icon icon={HandIcon} size={16} />}
            {toast.kind === 'muted' && <Icon icon={MicOffIcon} size={16} />}
            <span>{toast.text()}</span>
          </div>
        ))}
      </div>

      {panel === 'chat' && <TalkPanel session={session} onClose={() => setPanel(null)} />}
      {panel === 'participants' && <ParticipantsPanel session={session} onClose={() => setPanel(null)} onBreakout={() => setPanel('breakout')} onCapture={() => setPanel('capture')} />}
      {panel === 'breakout' && <BreakoutPanel session={session} onClose={() => setPanel(null)} />}
      {panel === 'capture' && <CapturePanel session={session} onClose={() => setPanel(null)} />}
      {panel === 'settings' && <SettingsPanel session={session} onClose={() => setPanel(null)} onShortcuts={() => setShortcutsOpen(true)} />}
      {shortcutsOpen && <ShortcutsDialog close={() => setShortcutsOpen(false)} />}

      <Toolbar session={session} panel={panel} setPanel={setPanel} unread={unread} onLeave={onLeave} />

      <div class="audio-sinks" aria-hidden="true">
        {streams
          .filter((s) => s.kind === 'audio')
          .map((s) => (
            <Audio key={s.producerId} track={s.track} sinkId={audioOutput.value} onBlocked={(el) => setAudioBlocked((list) => [...list, el])} />
          ))}
      </div>
    </div>
  );
}
