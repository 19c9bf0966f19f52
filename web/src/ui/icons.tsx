// One icon set for meeting, chat and calendar: Lucide's SVG icons. Each
// component imports the icons it shows from the `lucide` package by name
// (`import { Mic as MicIcon } from 'lucide'`), so a page's chunk carries
// those icons and no others; this component draws one. Icons are decoration:
// the control that holds one carries the accessible name (aria-label or text).
import { h } from 'preact';

/** An icon's drawing, as the `lucide` package exports it: SVG elements and their attributes. */
export type IconNode = [tag: string, attrs: Record<string, string | number | undefined>][];

export function Icon({ icon, size = 22, class: className }: { icon: IconNode; size?: number; class?: string }) {
  return (
    <svg
      class={className ? `icon ${className}` : 'icon'}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {icon.map(([tag, attrs], i) => h(tag, { key: i, ...attrs }))}
    </svg>
  );
}
