/**
 * Text variation for the autopilot (issue 16), so partners do not all post the same words: pure
 * functions, no database, randomness injected.
 *
 * Spintax: an operator writes alternatives between braces, `{Découvre|Essaie|Teste} notre box`,
 * nested up to three levels (`{a|{b|c}}`). `{link}` is reserved: it is the partner's link, never a
 * group, never inside one, and no group touches it (a varied character next to it could glue text
 * to the address in some texts and not in others). A backslash writes a brace, a bar or itself
 * literally: `\{`, `\}`, `\|`, `\\` (a bar outside braces is already literal, and a backslash before
 * anything else stays a backslash). Doubled braces cannot be the escape: `{a|{b|c}}` ends with `}}`.
 *
 * Only the template's body varies: the disclosure and the brand are put first by `composePost`,
 * which also puts the link where `{link}` stands; expanded texts go through it unchanged.
 *
 * Choosing, per partner: the variant (a template's text) least used in the period and never the
 * partner's previous one, then, inside it, the combination least used in the period.
 */
import type { Locale } from '../../../config.js';
import { InputError, type MessageParams } from '../../../lib/errors.js';
import { countLength, disclosurePrefix, type LengthRule } from '../post-text.js';

/** At most this many texts from one template's spintax. */
export const MAX_COMBINATIONS = 10_000;
/** Groups inside groups, at most this deep (`{a|{b|{c|d}}}` is 3). */
export const MAX_SPINTAX_DEPTH = 3;
const LINK = '{link}';

/** Why a template's spintax is refused: the catalogue's `template.spintax.reason.<reason>`. */
export type SpintaxReason = 'unclosed' | 'unopened' | 'empty' | 'single' | 'duplicate' | 'linkInGroup' | 'linkTouched' | 'linkFormed' | 'tooMany' | 'tooDeep';

export type SpintaxPart = { kind: 'text'; text: string } | { kind: 'link' } | { kind: 'group'; alternatives: SpintaxSequence[] };
export type SpintaxSequence = readonly SpintaxPart[];

export interface ParsedSpintax {
  readonly parts: SpintaxSequence;
  /** How many texts it makes (1 without groups), at most MAX_COMBINATIONS. */
  readonly combinations: number;
}

/** One text of a template, and its key (its place among the template's combinations, '0' to count − 1). */
export interface Combination {
  key: string;
  text: string;
}

/** A number in [0, 1), as Math.random gives. */
export type Random = () => number;

function refuse(reason: SpintaxReason, params: MessageParams = {}): never {
  throw new InputError('texts', 'template.error.spintax', { reason, ...params });
}

/** What a person counts: characters (code points) from 1. */
const position = (source: string, index: number) => [...source.slice(0, index)].length + 1;

const countOf = (sequence: SpintaxSequence): number => {
  let product = 1;
  for (const part of sequence) {
    const n = part.kind === 'group' ? part.alternatives.reduce((sum, alternative) => Math.min(sum + countOf(alternative), MAX_COMBINATIONS + 1), 0) : 1;
    product = Math.min(product * n, MAX_COMBINATIONS + 1);
  }
  return product;
};

/**
 * Reads an operator's template text; refuses bad spintax with InputError('texts',
 * 'template.error.spintax', { reason, at?, alternative?, max? }), `at` the character where it is.
 */
export function parseSpintax(source: string): ParsedSpintax {
  let index = 0;
  let escapedBrace = false;

  // A sequence up to a `|` or `}` of its group (depth > 0), or to the end (depth 0).
  const sequence = (depth: number): SpintaxPart[] => {
    const parts: SpintaxPart[] = [];
    let text = '';
    const flush = () => {
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
    };
    while (index < source.length) {
      const char = source[index]!;
      if (char === '\\' && index + 1 < source.length && '{}|\\'.includes(source[index + 1]!)) {
        const next = source[index + 1]!;
        if (next === '{' || next === '}') escapedBrace = true;
        text += next;
        index += 2;
      } else if (char === '{' && source.startsWith(LINK, index)) {
        if (depth > 0) refuse('linkInGroup', { at: position(source, index) });
        flush();
        parts.push({ kind: 'link' });
        index += LINK.length;
      } else if (char === '{') {
        flush();
        parts.push(group(depth + 1));
      } else if (char === '}' && depth === 0) {
        refuse('unopened', { at: position(source, index) });
      } else if ((char === '|' || char === '}') && depth > 0) {
        break;
      } else {
        text += char;
        index += 1;
      }
    }
    flush();
    return parts;
  };

  const group = (depth: number): SpintaxPart => {
    const start = index;
    if (depth > MAX_SPINTAX_DEPTH) refuse('tooDeep', { at: position(source, start), max: MAX_SPINTAX_DEPTH });
    index += 1;
    const alternatives: SpintaxSequence[] = [];
    const seen = new Set<string>();
    for (;;) {
      const from = index;
      const alternative = sequence(depth);
      const written = source.slice(from, index).trim();
      if (written === '') refuse('empty', { at: position(source, from) });
      if (seen.has(written)) refuse('duplicate', { at: position(source, start), alternative: written });
      seen.add(written);
      alternatives.push(alternative);
      if (index >= source.length) refuse('unclosed', { at: position(source, start) });
      index += 1;
      if (source[index - 1] === '}') break;
    }
    if (alternatives.length === 1) refuse('single', { at: position(source, start), alternative: source.slice(start, index) });
    return { kind: 'group', alternatives };
  };

  const parts = sequence(0);
  checkLinkNeighbours(parts, source);
  const combinations = countOf(parts);
  if (combinations > MAX_COMBINATIONS) refuse('tooMany', { max: MAX_COMBINATIONS });
  const parsed = { parts, combinations };
  // Braces written with a backslash could spell `{link}`, which composePost would take for the
  // link: refused when any text has another `{link}` than the template's own.
  if (escapedBrace) {
    const links = parts.filter((part) => part.kind === 'link').length;
    for (const { text } of enumerateCombinations(parsed)) {
      if (text.split(LINK).length - 1 !== links) refuse('linkFormed');
    }
  }
  return parsed;
}

/** No group right before or after `{link}` (at the top level: groups never hold it). */
function checkLinkNeighbours(parts: SpintaxSequence, source: string): void {
  let at = 0;
  for (const [i, part] of parts.entries()) {
    if (part.kind !== 'link') continue;
    at = source.indexOf(LINK, at);
    if (parts[i - 1]?.kind === 'group' || parts[i + 1]?.kind === 'group') refuse('linkTouched', { at: position(source, at) });
    at += LINK.length;
  }
}

export function countCombinations(parsed: ParsedSpintax): number {
  return parsed.combinations;
}

/** One text: `pick(n)` chooses among a group's n alternatives (an integer from 0 to n − 1). */
export function expandSpintax(parsed: ParsedSpintax, pick: (n: number) => number): string {
  const expand = (sequence: SpintaxSequence): string =>
    sequence
      .map((part) => {
        if (part.kind === 'text') return part.text;
        if (part.kind === 'link') return LINK;
        const n = part.alternatives.length;
        const chosen = pick(n);
        if (!Number.isInteger(chosen) || chosen < 0 || chosen >= n) throw new RangeError(`pick(${n}) gave ${chosen}`);
        return expand(part.alternatives[chosen]!);
      })
      .join('');
  return expand(parsed.parts);
}

/** The combination with that key (0 to count − 1, first group most significant). */
export function combinationAt(parsed: ParsedSpintax, index: number): Combination {
  if (!Number.isInteger(index) || index < 0 || index >= parsed.combinations) throw new RangeError(`no combination ${index} of ${parsed.combinations}`);
  const at = (sequence: SpintaxSequence, rest: number): string => {
    const texts: string[] = [];
    for (let i = sequence.length - 1; i >= 0; i -= 1) {
      const part = sequence[i]!;
      if (part.kind !== 'group') {
        texts.push(part.kind === 'text' ? part.text : LINK);
        continue;
      }
      const n = part.alternatives.reduce((sum, alternative) => sum + countOf(alternative), 0);
      let digit = rest % n;
      rest = Math.floor(rest / n);
      for (const alternative of part.alternatives) {
        const size = countOf(alternative);
        if (digit < size) {
          texts.push(at(alternative, digit));
          break;
        }
        digit -= size;
      }
    }
    return texts.reverse().join('');
  };
  return { key: String(index), text: at(parsed.parts, index) };
}

/** Every text of a template, in key order (at most MAX_COMBINATIONS). */
export function* enumerateCombinations(parsed: ParsedSpintax): Generator<Combination> {
  for (let index = 0; index < parsed.combinations; index += 1) yield combinationAt(parsed, index);
}

/**
 * The length of the longest post a template makes (composePost's, with the disclosure, the brand
 * and that link) as the network counts it, without writing each of up to 10,000 texts: each piece
 * measured alone, the longest alternative of each group. Exact for UTF-16 (up to the white space
 * composePost trims from the body's ends); for graphemes an upper bound (pieces can only merge
 * into fewer characters where they meet); for short links an upper bound (an address glued to the
 * next word counts once), except where a web address written in the template runs into a group
 * (`https://{a|b}.fr`), which checkPost still catches when a partner's text is prepared. Templates
 * are checked against it rather than against each of up to 10,000 texts (seconds for long ones).
 */
export function longestPostLength(parsed: ParsedSpintax, { link, locale, brand, rule }: { link: string; locale: Locale; brand: string; rule: LengthRule }): number {
  let hasLink = false;
  const longest = (sequence: SpintaxSequence): number =>
    sequence.reduce((sum, part) => {
      if (part.kind === 'text') return sum + countLength(part.text, rule);
      if (part.kind === 'link') {
        hasLink = true;
        return sum + countLength(link, rule);
      }
      return sum + Math.max(...part.alternatives.map(longest));
    }, 0);
  const body = longest(parsed.parts);
  return countLength(`${disclosurePrefix(locale, brand)}\n`, rule) + body + (hasLink ? 0 : countLength(`\n${link}`, rule));
}

/** One of n, drawing only when there is a choice. */
const randomIndex = (random: Random, n: number) => (n <= 1 ? 0 : Math.min(n - 1, Math.max(0, Math.floor(random() * n))));

/**
 * The variant a partner gets: never the partner's previous one (unless it is the only variant),
 * then the least used in the period; among equals, one the partner never got or got longest ago,
 * then the injected random.
 *
 * @param usage how many partners got each variant in the period (absent: none)
 * @param partnerHistory the partner's earlier variants for this campaign, newest first
 */
export function chooseVariant(variants: readonly string[], usage: ReadonlyMap<string, number>, partnerHistory: readonly string[], random: Random): string {
  const distinct = [...new Set(variants)];
  if (distinct.length === 0) throw new RangeError('chooseVariant needs at least one variant');
  if (distinct.length === 1) return distinct[0]!;
  const allowed = distinct.filter((variant) => variant !== partnerHistory[0]);
  const used = (variant: string) => usage.get(variant) ?? 0;
  const least = Math.min(...allowed.map(used));
  // Got longest ago first: never got ranks after every past one.
  const recency = (variant: string) => {
    const i = partnerHistory.indexOf(variant);
    return i === -1 ? Number.POSITIVE_INFINITY : i;
  };
  const tied = allowed.filter((variant) => used(variant) === least);
  const oldest = Math.max(...tied.map(recency));
  const candidates = tied.filter((variant) => recency(variant) === oldest);
  return candidates[randomIndex(random, candidates.length)]!;
}

/**
 * The text a partner gets from a variant's spintax: a combination no partner got in the period
 * if there is one, else one of the least given; among equals, the injected random.
 *
 * @param usedCombinationKeys the keys partners got in the period, one per partner (repeats count)
 */
export function chooseCombination(parsed: ParsedSpintax, usedCombinationKeys: Iterable<string>, random: Random): Combination {
  const usage = new Map<string, number>();
  for (const key of usedCombinationKeys) usage.set(key, (usage.get(key) ?? 0) + 1);
  let least = Number.POSITIVE_INFINITY;
  let candidates: number[] = [];
  for (let index = 0; index < parsed.combinations; index += 1) {
    const used = usage.get(String(index)) ?? 0;
    if (used < least) {
      least = used;
      candidates = [index];
    } else if (used === least) {
      candidates.push(index);
    }
  }
  return combinationAt(parsed, candidates[randomIndex(random, candidates.length)]!);
}

/** A small seeded generator (mulberry32), for tests and replays: the same seed, the same numbers. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
