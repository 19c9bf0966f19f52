// One icon set for meeting, chat and calendar: Lucide's SVG icons. Each
// component imports the icons it shows from the `lucide` package by name
// (`import { Mic as MicIcon } from 'lucide'`), so a page's chunk carries
// those icons and no others; this component draws one. Icons are decoration:
// the control that holds one carries the accessible name (aria-label or text).
import { h, type ButtonHTMLAttributes, type HTMLAttributes } from 'preact';

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

/**
 * A button that shows only an icon: its label is its accessible name and its
 * tooltip (for the mouse), so no icon-only control goes unnamed.
 */
export function IconButton({
  icon,
  label,
  size = 20,
  noTitle = false,
  class: className,
  ...rest
}: { icon: IconNode; label: string; size?: number; noTitle?: boolean; class?: string } & Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'icon' | 'label' | 'size' | 'class' | 'type'>) {
  return (
    <button type="button" class={className ? `icon-btn ${className}` : 'icon-btn'} aria-label={label} title={noTitle ? undefined : label} {...rest}>
      <Icon icon={icon} size={size} />
    </button>
  );
}

/** An icon that says something (a state, not an action): named for screen readers, and a tooltip unless `noTitle`. */
export function StatusIcon({
  icon,
  label,
  size = 16,
  noTitle = false,
  ...rest
}: { icon: IconNode; label: string; size?: number; noTitle?: boolean } & Omit<HTMLAttributes<HTMLSpanElement>, 'icon' | 'label' | 'size' | 'role'>) {
  return (
    <span {...rest} role="img" aria-label={label} title={noTitle ? undefined : label}>
      <Icon icon={icon} size={size} />
    </span>
  );
}
