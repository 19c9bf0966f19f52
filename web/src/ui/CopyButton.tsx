import { useState } from 'preact/hooks';

/** Copies `text` and says so for two seconds ("Copied"), as people expect of a Copy button. */
export function CopyButton({ text, label, copiedLabel, testid }: { text: string; label: string; copiedLabel: string; testid: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="small primary"
      data-testid={testid}
      onClick={() =>
        void navigator.clipboard?.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        })
      }
    >
      {copied ? copiedLabel : label}
    </button>
  );
}
