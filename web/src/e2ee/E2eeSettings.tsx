import { useState } from 'preact/hooks';
import type { E2eeStore } from './store.ts';
import { e2eeSupported } from './E2ee.ts';

/** What this view needs of the meeting session (it is given the session itself). */
type E2eeSession = { e2ee: E2eeStore };

/** The passphrase for end-to-end encryption: shared out of band, never sent to the server. */
export function E2eeSettings({ session }: { session: E2eeSession }) {
  const [passphrase, setPassphrase] = useState('');
  const on = session.e2ee.enabled.value;
  return (
    <section class="e2ee-settings" data-testid="e2ee-settings">
      <h3>End-to-end encryption</h3>
      {!e2eeSupported() ? (
        <p class="hint dim">This browser cannot encrypt media end to end.</p>
      ) : (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (passphrase) void session.e2ee.setPassphrase(passphrase).then(() => setPassphrase(''));
          }}
        >
          <input type="password" data-testid="e2ee-passphrase" placeholder={on ? 'New key' : 'Shared key'} maxLength={256} value={passphrase} onInput={(e) => setPassphrase((e.target as HTMLInputElement).value)} />
          <button type="submit" data-testid="e2ee-enable" disabled={!passphrase}>
            {on ? 'Change' : 'Encrypt'}
          </button>
          {on && (
            <button type="button" data-testid="e2ee-disable" onClick={() => void session.e2ee.setPassphrase(null)}>
              Stop
            </button>
          )}
        </form>
      )}
      <p class="hint dim" data-testid="e2ee-state">
        {on ? 'Your audio and video are encrypted: only people with the same key see and hear you.' : 'Everyone with the same key sees and hears each other; the server only forwards ciphertext.'}
      </p>
    </section>
  );
}
