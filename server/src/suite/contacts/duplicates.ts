// Duplicates in an address book, and merging them, as Google Contacts'
// "Merge & fix" and Apple's "Look for duplicates" do: cards that share an
// e-mail address (case aside), a phone number (its last nine digits: "+41 79
// 123 45 67" and "079 123 45 67" are one number) or a name (case, accents and
// spacing aside) are one group, and so are cards linked through others; a
// key more than five cards share (a switchboard, info@) links nobody. Pure
// functions: Contacts reads the cards and writes the merged one.
import { CONTACT_LIMITS, type ContactCard } from '@parley/protocol';
import type { JCardProperty } from './store.ts';

export type DuplicateReason = 'email' | 'phone' | 'name';

/** Cards that may share an e-mail address, a number or a name and still be told apart as duplicates; beyond, the key is no sign. */
const MAX_SHARING = 5;

export interface Candidate {
  id: string;
  name: string;
  card: ContactCard;
}

const fold = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
/** A number's last nine digits; too short a number (an extension) says nothing. */
const phoneKey = (v: string) => {
  const digits = v.replace(/\D/g, '');
  return digits.length >= 6 ? digits.slice(-9) : null;
};

/**
 * Groups of duplicates among `cards` (each of two cards or more, in the
 * order of their first card), with what linked them; at most `maxGroups`.
 * `breathe` lets the event loop through every few hundred cards (a book
 * holds up to 20,000).
 */
export async function duplicateGroups(cards: Candidate[], maxGroups: number, breathe: () => Promise<void>): Promise<{ ids: string[]; reasons: DuplicateReason[] }[]> {
  const parent = cards.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const reasons = new Map<number, Set<DuplicateReason>>();
  const firstOf = new Map<string, number>();
  const link = (i: number, key: string, why: DuplicateReason) => {
    // A number or an address many cards share (a company's switchboard, info@) says nothing of who is who.
    if (shared.get(key)! > MAX_SHARING) return;
    const other = firstOf.get(key);
    if (other === undefined) return void firstOf.set(key, i);
    const [a, b] = [find(other), find(i)];
    // Already one group (or one card naming a number twice): only what links them grows.
    if (a === b) return void reasons.get(a)?.add(why);
    const why2 = new Set([...(reasons.get(a) ?? []), ...(reasons.get(b) ?? []), why]);
    // The earlier card's root stays the root: groups keep the list's order.
    const [root, child] = a < b ? [a, b] : [b, a];
    parent[child] = root;
    reasons.set(root, why2);
    reasons.delete(child);
  };
  const keysOf = (c: Candidate): [string, DuplicateReason][] => {
    const keys: [string, DuplicateReason][] = c.card.emails.map((e) => [`e:${e.value.toLowerCase()}`, 'email']);
    for (const p of c.card.phones) {
      const key = phoneKey(p.value);
      if (key) keys.push([`p:${key}`, 'phone']);
    }
    const name = fold(c.name);
    // A name made of an address or a number is matched as such above.
    if (name.length >= 2 && !c.card.emails.some((e) => fold(e.value) === name) && !c.card.phones.some((p) => fold(p.value) === name)) keys.push([`n:${name}`, 'name']);
    return keys;
  };
  const keys = cards.map(keysOf);
  // How many cards hold each key (one card holding a number twice counts once).
  const shared = new Map<string, number>();
  for (const [i, list] of keys.entries()) {
    if (i % 500 === 499) await breathe();
    for (const key of new Set(list.map(([k]) => k))) shared.set(key, (shared.get(key) ?? 0) + 1);
  }
  for (const [i, list] of keys.entries()) {
    if (i % 500 === 499) await breathe();
    for (const [key, why] of list) link(i, key, why);
  }
  const groups = new Map<number, string[]>();
  for (const [i, c] of cards.entries()) {
    const root = find(i);
    if (!reasons.has(root)) continue;
    let ids = groups.get(root);
    if (!ids) groups.set(root, (ids = []));
    ids.push(c.id);
  }
  return [...groups.entries()]
    .filter(([, ids]) => ids.length > 1)
    .slice(0, maxGroups)
    .map(([root, ids]) => ({ ids, reasons: (['email', 'phone', 'name'] as const).filter((r) => reasons.get(root)!.has(r)) }));
}

/**
 * One card made of several: the first's fields, each empty one filled from
 * the next card that has it; e-mail addresses, phones, addresses and groups
 * gathered without repeats (within the card limits); notes put together;
 * properties kept from devices (a photo, a nickname) the first's, with the
 * others' of a kind it has none of.
 */
export function mergeCards(cards: { card: ContactCard; extra: JCardProperty[] }[]): { card: ContactCard; extra: JCardProperty[] } {
  const [first, ...rest] = cards;
  if (!first) throw new Error('nothing to merge');
  const scalar = ['givenName', 'familyName', 'middleName', 'prefix', 'suffix', 'organization', 'department', 'title', 'birthday'] as const;
  const card: ContactCard = { ...first.card, emails: [], phones: [], addresses: [], groups: [] };
  for (const key of scalar) card[key] = cards.map((c) => c.card[key]).find((v) => v !== undefined && v !== '');
  const unique = <T>(items: T[], keyOf: (t: T) => string, max: number) => {
    const seen = new Set<string>();
    return items.filter((t) => !seen.has(keyOf(t)) && seen.add(keyOf(t))).slice(0, max);
  };
  card.emails = unique(cards.flatMap((c) => c.card.emails), (e) => e.value.toLowerCase(), CONTACT_LIMITS.emails);
  card.phones = unique(cards.flatMap((c) => c.card.phones), (p) => phoneKey(p.value) ?? p.value, CONTACT_LIMITS.phones);
  card.addresses = unique(cards.flatMap((c) => c.card.addresses), (a) => fold([a.street, a.postcode, a.city, a.region, a.country].join('|')), CONTACT_LIMITS.addresses);
  card.groups = unique(cards.flatMap((c) => c.card.groups), (g) => g, CONTACT_LIMITS.groups);
  const notes = unique(cards.map((c) => c.card.note?.trim() ?? '').filter(Boolean), (n) => n, cards.length);
  if (notes.length) card.note = notes.join('\n\n').slice(0, CONTACT_LIMITS.noteChars);
  // A kind the cards before lacked is taken whole from the next card that has it (its several nicknames stay several; one photo, not two).
  const kinds = new Set(first.extra.map((p) => p[0]));
  const extra = [...first.extra];
  for (const c of rest) {
    const taken = c.extra.filter((p) => !kinds.has(p[0]));
    extra.push(...taken);
    for (const p of taken) kinds.add(p[0]);
  }
  return { card: Object.fromEntries(Object.entries(card).filter(([, v]) => v !== undefined)) as unknown as ContactCard, extra: extra.slice(0, CONTACT_LIMITS.extraProperties) };
}
