// The signed-in account of this browser: its session token in localStorage
// (the server can revoke it; "sign out" does), and the auth calls.
import { signal } from '@preact/signals';
import type { AuthReply } from '@parley/protocol';

const KEY = 'parley:session';

export const sessionToken = signal<string | null>(localStorage.getItem(KEY));

export function signedIn(reply: AuthReply): void {
  localStorage.setItem(KEY, reply.token);
  sessionToken.value = reply.token;
}

export function signedOut(): void {
  localStorage.removeItem(KEY);
  sessionToken.value = null;
}
