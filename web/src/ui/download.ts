// A file the server makes for a signed-in person (an .ics or .vcf export),
// saved by the browser: the session token goes in a header, so it cannot be
// a plain link.
import { ApiError } from '../core/api.ts';

/** Saves what `url` answers as `name` (characters a file name cannot hold become "_"; `fallback` if none is left). */
export async function downloadFile(url: string, token: string, name: string, ext: string, fallback: string): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new ApiError({ code: 'INTERNAL', message: `HTTP ${res.status}` });
  const href = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href, download: `${name.replace(/[^\p{L}\p{N}_.-]+/gu, '_') || fallback}.${ext}` });
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
