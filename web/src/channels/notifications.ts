// Desktop notifications for what the server says concerns one (chat:notify:
// a mention, a direct message, a reply in a followed thread; never a muted
// channel). Shown while the chat's tab is hidden; a visible page shows its
// own notice instead. Permission is asked from a click on the chat's
// "Get desktop notifications" bar (browsers refuse prompts without one),
// which appears once the person has written a message, not on arrival.
import { signal } from '@preact/signals';

const DISMISSED = 'parley:notify-ask-dismissed';
const supported = typeof Notification !== 'undefined';

/** 'granted', 'denied', 'default' (not asked yet), or 'unsupported'; followed as it changes (the browser's settings may change it). */
export const permission = signal<NotificationPermission | 'unsupported'>(supported ? Notification.permission : 'unsupported');
if (supported) {
  void navigator.permissions
    ?.query({ name: 'notifications' })
    .then((status) => (status.onchange = () => (permission.value = Notification.permission)))
    .catch(() => undefined);
}
/** Whether the person said "Not now" on this browser. */
export const dismissed = signal(localStorage.getItem(DISMISSED) === '1');

export async function askPermission(): Promise<void> {
  if (!supported) return;
  permission.value = await Notification.requestPermission();
}

export function dismissAsk(): void {
  localStorage.setItem(DISMISSED, '1');
  dismissed.value = true;
}

/** A desktop notification, if allowed and the page is hidden; whether one was shown (else the page shows its notice). */
export function notifyDesktop(n: { title: string; body: string; tag: string }, onClick: () => void): boolean {
  // The browser's own answer, read now: it may have changed since the page loaded.
  if (!supported || Notification.permission !== 'granted' || document.visibilityState !== 'hidden') return false;
  const note = new Notification(n.title, { body: n.body, tag: n.tag });
  note.onclick = () => {
    window.focus();
    onClick();
    note.close();
  };
  return true;
}
