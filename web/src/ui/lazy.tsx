// Each page's code is its own chunk, fetched when the page is shown: the
// live viewer (opened by thousands at once) downloads the player, not the
// meeting client; the chat does not download mediasoup. Its sentences come
// the same way: the message areas the page shows, in the page's language.
import { h, type ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { needAreas, t, type Area } from '../i18n/index.ts';

/**
 * A component whose code (and the message `areas` it shows) is loaded on its
 * first render (nothing is shown until then: a page loads in milliseconds).
 */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>, areas: readonly Area[]): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<void> | undefined;
  let failed: unknown;
  return function LazyPage(props: P) {
    const [, setTick] = useState(0);
    useEffect(() => {
      if (loaded) return;
      pending ??= Promise.all([load(), needAreas(areas)]).then(
        ([c]) => void (loaded = c),
        (error: unknown) => void (failed = error),
      );
      let live = true;
      void pending.then(() => live && setTick((n) => n + 1));
      return () => void (live = false);
    }, []);
    if (failed) {
      return (
        <div class="message-page" role="alert">
          <h1>{t('ui.lazy.failedTitle')}</h1>
          <p class="dim">{t('ui.lazy.failedText')}</p>
          <button type="button" class="primary" onClick={() => location.reload()}>
            {t('ui.lazy.reload')}
          </button>
        </div>
      );
    }
    return loaded ? h(loaded, props) : null;
  };
}
