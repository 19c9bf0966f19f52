// The message modules web/vite.config.ts makes from i18n/messages/*.json:
// one per language and area (a key's first part; the servers' own areas
// left out), and their loaders.
declare module 'virtual:parley-messages' {
  type AreaOf<K> = K extends `${infer A}.${string}` ? A : never;
  export type Area = Exclude<AreaOf<import('@parley/i18n').MessageKey>, 'mail' | 'agenda' | 'euria' | 'org'>;
  /** One area's messages in one language (its own chunk). */
  export const load: (lang: import('@parley/i18n').Language, area: Area) => Promise<{ default: import('@parley/i18n').Messages }>;
}
declare module 'virtual:parley-messages/en/ui' {
  const messages: import('@parley/i18n').Messages;
  export default messages;
}
