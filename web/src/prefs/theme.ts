// Light, Dark or Automatic (the system's, through prefers-color-scheme),
// remembered by this browser. The palettes are in styles.css: the page's
// <html data-theme> picks one, and "auto" leaves it to the media query.
import { signal } from '@preact/signals';

export const THEMES = ['auto', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

const KEY = 'parley:theme';
const stored = localStorage.getItem(KEY);
export const theme = signal<Theme>((THEMES as readonly string[]).includes(stored ?? '') ? (stored as Theme) : 'auto');

function apply(value: Theme): void {
  const root = document.documentElement;
  if (value === 'auto') delete root.dataset.theme;
  else root.dataset.theme = value;
}

export function setTheme(value: Theme): void {
  localStorage.setItem(KEY, value);
  theme.value = value;
  apply(value);
}

apply(theme.value);
