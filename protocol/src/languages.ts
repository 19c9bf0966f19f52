// The languages Parley speaks. Its own module (@parley/protocol/languages)
// so that the web client's i18n can import it without the schemas.
export const LANGUAGES = ['en', 'fr', 'de', 'it', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];
