// Password strength, judged by zxcvbn (the estimator Dropbox wrote and
// Mattermost and others use): how many guesses a password would take, with
// common passwords, dictionary words, keyboard walks, repeats, dates and the
// person's own name, username and e-mail counted as the cheap guesses they
// are. Score 3 of 4 ("safely unguessable: moderate protection from offline
// slow-hash scenario") or better is required.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { DomainError } from '@parley/protocol';

export const MIN_SCORE = 3;
/**
 * Only the start is judged: zxcvbn's cost grows with the length, and what is
 * strong in its first 64 characters stays so with more after them.
 */
const JUDGED_CHARS = 64;

let factory: ZxcvbnFactory | undefined;
const zxcvbn = (): ZxcvbnFactory =>
  (factory ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs, translations: en.translations }));

export class WeakPassword extends DomainError {
  constructor(message: string) {
    super('WEAK_PASSWORD', message);
  }
}

/** Throws WEAK_PASSWORD, with zxcvbn's advice in a sentence, unless the password scores MIN_SCORE or more. */
export async function checkStrength(password: string, personal: string[]): Promise<void> {
  const words = personal.flatMap((p) => [p, ...p.toLowerCase().split(/[^\p{L}\p{N}]+/u)]).filter((w) => w.length >= 3);
  const result = await zxcvbn().check(Array.from(password).slice(0, JUDGED_CHARS).join(''), words);
  if (result.score >= MIN_SCORE) return;
  const advice = [result.feedback.warning, ...result.feedback.suggestions].filter((s): s is string => Boolean(s));
  throw new WeakPassword(`This password is too easy to guess.${advice.length ? ` ${advice.join(' ')}` : ''} A few unrelated words together make a strong one.`);
}
