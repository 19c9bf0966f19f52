// Text as searches compare it: lower case, without accents or ligatures
// ("Après" -> "apres", "Œuvre" -> "oeuvre"), as the server folds what it
// searches (parley_fold, migration 008): the chat's search marks and the
// contacts' directory filter find what the server would.
const LIGATURES: Record<string, string> = { œ: 'oe', æ: 'ae', ß: 'ss', ł: 'l', ø: 'o', đ: 'd', ı: 'i' };

export const fold = (s: string): string =>
  s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[œæßłøđı]/g, (c) => LIGATURES[c]!);
