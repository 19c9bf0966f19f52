// Each page's code is its own chunk, fetched when the page is shown: the
// live viewer (opened by thousands at once) downloads the player, not the
// meeting client; the chat does not download mediasoup.
import { h, type ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** A component whose code is loaded on its first render (nothing is shown until then: a page loads in milliseconds). */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<void> | undefined;
  let failed: unknown;
  return function LazyPage(props: P) {
    const [, setTick] = useState(0);
    useEffect(() => {
      if (loaded) return;
      pending ??= load().then(
        (c) => void (loaded = c),
        (error: unknown) => void (failed = error),
      );
      let live = true;
      void pending.then(() => live && setTick((n) => n + 1));
      return () => void (live = false);
    }, []);
    if (failed) {
      return (
        <div class="message-page" role="alert">
          <h1>This page could not load</h1>
          <p class="dim">The connection may have dropped, or Parley was updated meanwhile.</p>
          <button type="button" class="primary" onClick={() => location.reload()}>
            Reload
          </button>
        </div>
      );
    }
    return loaded ? h(loaded, props) : null;
  };
}
