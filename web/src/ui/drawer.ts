// The phone's drawer (see drawer.css): whether it is open, closed by Escape
// as any overlay is (the scrim and picking an entry close it too).
import { useEffect, useState } from 'preact/hooks';
import './drawer.css';

export function useDrawer(): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
  return [open, setOpen];
}
