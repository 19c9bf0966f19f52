// The language modules web/vite.config.ts makes from i18n/messages/*.json.
declare module 'virtual:parley-messages/*' {
  const messages: import('@parley/i18n').Messages;
  export default messages;
}
