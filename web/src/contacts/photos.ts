// Contacts' pictures as the page shows them: fetched with the session (an
// <img> cannot send it) into object URLs, kept per card version so the list
// and the card read each picture once. At most PHOTOS are kept that nothing
// shows: a book of thousands of pictures scrolled through does not keep them
// all in memory, and a picture on screen is never freed under it.
import { useEffect, useState } from 'preact/hooks';
import type { ContactView } from '@parley/protocol';
import type { ContactsApi } from './api.ts';

const PHOTOS = 200;
interface Kept {
  url: Promise<string>;
  /** Rows and cards showing it now. */
  users: number;
}
/** Oldest first (a Map keeps insertion order; a use moves the entry to the end). */
const cache = new Map<string, Kept>();

/** Frees the oldest pictures no one shows while more than PHOTOS are kept. */
function trim(): void {
  for (const [key, kept] of cache) {
    if (cache.size <= PHOTOS) return;
    if (kept.users > 0) continue;
    cache.delete(key);
    void kept.url.then(URL.revokeObjectURL, () => undefined);
  }
}

/** The card's picture, held until `release` (then kept a while, for the next showing). */
function hold(api: ContactsApi, c: ContactView): { url: Promise<string>; release(): void } {
  const key = `${c.id}:${c.etag}`;
  let kept = cache.get(key);
  if (kept) cache.delete(key);
  else {
    const made: Kept = { url: api.photo(c.id), users: 0 };
    // A failed read is not kept: the next showing tries again.
    made.url.catch(() => cache.get(key) === made && cache.delete(key));
    kept = made;
  }
  cache.set(key, kept);
  kept.users += 1;
  trim();
  let held = true;
  return {
    url: kept.url,
    release() {
      if (!held) return;
      held = false;
      kept.users -= 1;
      trim();
    },
  };
}

/** The card's picture as an object URL once read (when `wanted`: a list row near the screen), or undefined. */
export function usePhoto(api: ContactsApi, c: ContactView | null, wanted = true): string | undefined {
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    setUrl(undefined);
    if (!c?.hasPhoto || !wanted) return;
    const picture = hold(api, c);
    let gone = false;
    void picture.url.then(
      (u) => gone || setUrl(u),
      () => undefined,
    );
    return () => {
      gone = true;
      picture.release();
    };
  }, [c?.id, c?.etag, c?.hasPhoto, wanted]);
  return url;
}
