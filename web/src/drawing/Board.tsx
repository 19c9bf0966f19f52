import { BOARD } from '@parley/protocol';
import type { People } from '../core/session.ts';
import { t } from '../i18n/index.ts';
import { DrawLayer } from './DrawLayer.tsx';
import { DrawTools } from './DrawTools.tsx';
import type { DrawingStore } from './store.ts';

/**
 * The room's whiteboard, as a tile (on the stage while it is open): a
 * white 16:9 page everyone in the room draws on, with the tools always at
 * hand; a moderator closes it from here (which wipes it).
 */
export function Board({ store, people }: { store: DrawingStore; people: People }) {
  return (
    <div class="tile tile-board" data-testid="board">
      <DrawLayer store={store} surface={BOARD} aspect={16 / 9} drawing />
      <DrawTools
        store={store}
        surface={BOARD}
        sharer={null}
        {...(people.isModerator ? { closeLabel: t('meeting.draw.closeBoard'), onClose: () => void store.setBoard(false) } : {})}
      />
      <div class="tile-label">
        <span class="tile-name">{t('meeting.draw.board')}</span>
      </div>
    </div>
  );
}
