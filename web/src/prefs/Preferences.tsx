// The language and theme menu, on every screen: a button (a globe and the
// language's code) that opens two labelled choices. Escape or a click
// elsewhere closes it; focus returns to the button.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { language, LANGUAGE_NAMES, LANGUAGES, t, type Language } from '../i18n/index.ts';
import { Icon } from '../ui/icons.tsx';
import { chooseLanguage } from './language.ts';
import { setTheme, theme, THEMES, type Theme } from './theme.ts';
import { Globe as GlobeIcon } from 'lucide';

/** `sessionToken`: on signed-in screens, the account's (a language chosen here becomes the account's). */
export function Preferences({ class: className = '', sessionToken }: { class?: string; sessionToken?: string | null }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onClick = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);
  const lang = language.value;
  return (
    <div class={`prefs ${className}`} ref={root}>
      <button ref={button} type="button" class="prefs-btn" data-testid="prefs-button" aria-expanded={open} aria-controls={id} title={t('prefs.title')} onClick={() => setOpen(!open)}>
        <Icon icon={GlobeIcon} size={18} />
        {/* The code is what shows; the sentence after it is what a screen reader adds (the name starts with what is seen). */}
        <span>{lang.toUpperCase()}</span>
        <span class="sr-only">{t('prefs.button', { language: LANGUAGE_NAMES[lang] })}</span>
      </button>
      {open && (
        <div class="prefs-panel" id={id} role="group" aria-label={t('prefs.title')} data-testid="prefs-panel">
          <PreferenceFields sessionToken={sessionToken} />
        </div>
      )}
    </div>
  );
}

/** The two choices, language and theme, as labelled fields (the menu's popup, and the meeting's settings panel, show them). */
export function PreferenceFields({ sessionToken }: { sessionToken?: string | null | undefined }) {
  return (
    <>
      <label>
        {t('prefs.language')}
        <select data-testid="prefs-language" value={language.value} onChange={(e) => void chooseLanguage((e.target as HTMLSelectElement).value as Language, sessionToken)}>
          <LanguageOptions />
        </select>
      </label>
      <label>
        {t('prefs.theme')}
        <select data-testid="prefs-theme" value={theme.value} onChange={(e) => setTheme((e.target as HTMLSelectElement).value as Theme)}>
          {THEMES.map((th) => (
            <option key={th} value={th}>
              {t(`prefs.theme.${th}`)}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

/** Every language Parley speaks, each in its own name (and marked as such for screen readers). */
export function LanguageOptions() {
  return (
    <>
      {LANGUAGES.map((l) => (
        <option key={l} value={l} lang={l}>
          {LANGUAGE_NAMES[l]}
        </option>
      ))}
    </>
  );
}
