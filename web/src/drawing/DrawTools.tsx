import { DRAW_COLORS, DRAW_TOOLS, type DrawColor, type DrawSurface, type DrawTool, type ParticipantId } from '@parley/protocol';
import { t, type MessageKey } from '../i18n/index.ts';
import { Icon, type IconNode } from '../ui/icons.tsx';
import type { DrawingStore } from './store.ts';
import { Eraser as EraserIcon, Highlighter as HighlighterIcon, Hourglass as HourglassIcon, MoveUpRight as MoveUpRightIcon, Pen as PenIcon, Undo2 as Undo2Icon, X as XIcon } from 'lucide';

const TOOL_ICONS: Record<DrawTool, IconNode> = { pen: PenIcon, highlighter: HighlighterIcon, arrow: MoveUpRightIcon };
const TOOL_NAMES: Record<DrawTool, MessageKey> = { pen: 'meeting.draw.pen', highlighter: 'meeting.draw.highlighter', arrow: 'meeting.draw.arrow' };
const COLOR_NAMES: Record<DrawColor, MessageKey> = {
  '#ef4444': 'meeting.draw.colorRed',
  '#f59e0b': 'meeting.draw.colorOrange',
  '#22c55e': 'meeting.draw.colorGreen',
  '#3b82f6': 'meeting.draw.colorBlue',
  '#a855f7': 'meeting.draw.colorPurple',
  '#111827': 'meeting.draw.colorBlack',
  '#ffffff': 'meeting.draw.colorWhite',
};

function ToolButton(props: { icon: IconNode; label: string; pressed?: boolean; testid: string; onClick: () => void }) {
  return (
    <button type="button" class={`draw-btn ${props.pressed ? 'on' : ''}`} title={props.label} aria-label={props.label} aria-pressed={props.pressed} data-testid={props.testid} onClick={props.onClick}>
      <Icon icon={props.icon} size={18} />
    </button>
  );
}

/**
 * The pen in our hand, over the surface we draw on: tool, colour, fading,
 * undo, clear (everyone's for the sharer and moderators, else ours) and a
 * way out. It wraps onto a second row in a narrow tile.
 */
export function DrawTools({ store, surface, sharer, onClose, closeLabel }: { store: DrawingStore; surface: DrawSurface; sharer: ParticipantId | null; onClose?: () => void; closeLabel?: string }) {
  const all = store.mayClearAll(surface, sharer);
  return (
    <div class="draw-tools" role="toolbar" aria-label={t('meeting.draw.tools')} data-testid="draw-tools">
      {DRAW_TOOLS.map((tool) => (
        <ToolButton key={tool} icon={TOOL_ICONS[tool]} label={t(TOOL_NAMES[tool])} pressed={store.tool.value === tool} testid={`draw-tool-${tool}`} onClick={() => (store.tool.value = tool)} />
      ))}
      <span class="draw-sep" aria-hidden="true" />
      {DRAW_COLORS.map((color) => (
        <button
          type="button"
          key={color}
          class={`draw-swatch ${store.color.value === color ? 'on' : ''}`}
          style={{ ['--swatch' as string]: color }}
          title={t(COLOR_NAMES[color])}
          aria-label={t(COLOR_NAMES[color])}
          aria-pressed={store.color.value === color}
          data-testid={`draw-color-${color.slice(1)}`}
          onClick={() => (store.color.value = color)}
        />
      ))}
      <span class="draw-sep" aria-hidden="true" />
      <ToolButton icon={HourglassIcon} label={t('meeting.draw.fade')} pressed={store.fade.value} testid="draw-fade" onClick={() => (store.fade.value = !store.fade.value)} />
      <ToolButton icon={Undo2Icon} label={t('meeting.draw.undo')} testid="draw-undo" onClick={() => void store.undo(surface)} />
      <ToolButton icon={EraserIcon} label={all ? t('meeting.draw.clearAll') : t('meeting.draw.clearMine')} testid="draw-clear" onClick={() => void store.clear(surface, sharer)} />
      {onClose && closeLabel && <ToolButton icon={XIcon} label={closeLabel} testid="draw-close" onClick={onClose} />}
    </div>
  );
}
