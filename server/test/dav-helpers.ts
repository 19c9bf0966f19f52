// What a phone or a sync tool sends to the DAV server, for the tests that
// play one: a request with HTTP Basic and an app password (the path sent as
// written), and an app password made for a person.
import http from 'node:http';
import type { AuthReply, NewAppPasswordReply } from '@parley/protocol';
import { authed } from './chat-helpers.ts';

/** A DAV request with `auth` ("username:app password"): its status and text. */
export function davRequest(base: string, method: string, path: string, auth: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A new app password of `who` (signed up with the helpers' password), as "username:secret". */
export async function appPasswordOf(base: string, who: AuthReply, name = 'phone'): Promise<string> {
  const made = await authed<NewAppPasswordReply>(base, who.token, 'POST', '/api/me/app-passwords', { name, password: 'correct horse battery' });
  if (made.status !== 201) throw new Error(`app password: ${made.status} ${JSON.stringify(made.body)}`);
  return `${who.user.username}:${made.body.secret}`;
}
