// Links of this server that others stored (a call card, a calendar event, a
// live stream's viewer page) were built on the address their maker used:
// perhaps another one than this page's (localhost, a LAN address), perhaps
// one they made up. On our own pages they are rebuilt from their path on the
// address this page was opened on.

const OWN_PATHS = { m: /^\/m\/[A-Za-z0-9_-]{1,64}\/?$/, live: /^\/live\/[a-z2-7]{26}\/?$/ };

/** `url` on this page's origin when its path is one of ours of that kind; null otherwise. */
export function ownLink(url: string, kind: keyof typeof OWN_PATHS): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url, location.origin);
  } catch {
    return null;
  }
  return OWN_PATHS[kind].test(parsed.pathname) ? `${location.origin}${parsed.pathname}` : null;
}

/**
 * A meeting's address on this page's origin, with the signed-in person's
 * name for its pre-join screen (kept editable there) and, for the one who
 * started it, the moderator token.
 */
export function meetingLink(meetingId: string, name?: string, moderatorToken?: string): string {
  const params = new URLSearchParams();
  if (name) params.set('name', name);
  if (moderatorToken) params.set('moderatorToken', moderatorToken);
  const query = params.toString();
  return `${location.origin}/m/${encodeURIComponent(meetingId)}${query ? `?${query}` : ''}`;
}
