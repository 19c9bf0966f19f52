// Contacts' pictures as the page shows them: fetched with the session (an
// <img> cannot send it) into object URLs, kept per card version so the list
// and the card read each picture once, and at most PHOTOS of them: a book of
// thousands of pictures scrolled through does not keep them all in memory.
import { useEffect, useState } from 'preact/hooks';
import type { ContactView } from '@parley/protocol';
import type { ContactsApi } from './api.ts';

const PHOTOS = 200;
/** Oldest first (a Map keeps insertion order; a use moves the entry to the end). */
const cache = new Map<string, Promise<string>>();

function photoUrl(api: ContactsApi, c: ContactView): Promise<string> {
  const key = `${c.id}:${c.etag}`;
  let url = cache.get(key);
  if (url) cache.delete(key);
  else url = api.photo(c.id);
  cache.set(key, url);
  // A failed read is not kept: the next showing tries again.
  url.catch(() => cache.get(key) === url && cache.delete(key));
  for (const [old, gone] of cache) {
    if (cache.size <= PHOTOS) break;
    cache.delete(old);
    // A picture already on screen stays drawn: the browser has decoded it.
    void gone.then(URL.revokeObjectURL, () => undefined);
  }
  return url;
}

/** The card's picture as an object URL once read (when `wanted`: a list row on screen), or undefined. */
export function usePhoto(api: ContactsApi, c: ContactView, wanted = true): string | undefined {
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    setUrl(undefined);
    if (!c.hasPhoto || !wanted) return;
    let gone = false;
    void photoUrl(api, c).then(
      (u) => gone || setUrl(u),
      () => undefined,
    );
    return () => void (gone = true);
  }, [c.id, c.etag, c.hasPhoto, wanted]);
  return url;
}
