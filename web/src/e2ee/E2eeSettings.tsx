import { useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import type { E2eeStore } from './store.ts';
import { e2eeSupported } from './E2ee.ts';

/** What this view needs of the meeting session (it is given the session itself). */
type E2eeSession = { e2ee: E2eeStore };

/** The passphrase for end-to-end encryption: shared out of band, never sent to the server. */
export function E2eeSettings({ session }: { session: E2eeSession }) {
  const [passphrase, setPassphrase] = useState('');
  const on = session.e2ee.enabled.value;
  const keyLabel = on ? t('e2ee.settings.newKey') : t('e2ee.settings.sharedKey');
  return (
    <section class="e2ee-settings" data-testid="e2ee-settings">
      <h3>{t('e2ee.settings.title')}</h3>
      {!e2eeSupported() ? (
        <p class="hint dim">{t('e2ee.unsupported')}</p>
      ) : (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (passphrase) void session.e2ee.setPassphrase(passphrase).then(() => setPassphrase(''));
          }}
        >
          <input type="password" data-testid="e2ee-passphrase" placeholder={keyLabel} aria-label={keyLabel} maxLength={256} value={passphrase} onInput={(e) => setPassphrase((e.target as HTMLInputElement).value)} />
          <button type="submit" data-testid="e2ee-enable" disabled={!passphrase}>
            {on ? t('e2ee.settings.change') : t('e2ee.settings.encrypt')}
          </button>
          {on && (
            <button type="button" data-testid="e2ee-disable" onClick={() => void session.e2ee.setPassphrase(null)}>
              {t('e2ee.settings.stop')}
            </button>
          )}
        </form>
      )}
      <p class="hint dim" data-testid="e2ee-state">
        {on ? t('e2ee.settings.on') : t('e2ee.settings.off')}
      </p>
    </section>
  );
}
