/**
 * The text of a publication: the advertising disclosure with the brand's name first (« Publicité ·
 * Box bio », "Ad · Box bio": French law asks for it to be seen before anything else), then the
 * template with the partner's link where `{link}` stands, or at the end. Whoever edits the text
 * afterwards (the partner, lightly), the final text is checked again: the disclosure still opens
 * it, the link is still in it whole, and it fits the network's limit as that network counts.
 */
import type { Locale } from '../../config.js';
import { InputError } from '../../lib/errors.js';
import type { NetworkName } from '../../db/schema.js';

export const DISCLOSURE: Record<Locale, string> = { fr: 'Publicité', en: 'Ad' };

/** How a network counts a text against its limit. */
export type LengthRule =
  /** User-perceived characters (Bluesky: 300 graphemes; a link counts in full). */
  | { kind: 'graphemes'; max: number }
  /** Code points, every link counting as `urlLength` whatever its length (Mastodon: 23). */
  | { kind: 'code-points-short-links'; max: number; urlLength: number }
  /** UTF-16 code units, as the JavaScript of the network's own API measures (Discord, Telegram). */
  | { kind: 'utf16'; max: number };

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
// A link as Mastodon's counter sees one: http(s):// up to the next white space.
const LINKS = /https?:\/\/\S+/g;

export function countLength(text: string, rule: LengthRule): number {
  switch (rule.kind) {
    case 'graphemes':
      return [...graphemes.segment(text)].length;
    case 'code-points-short-links':
      return [...text.replace(LINKS, 'x'.repeat(rule.urlLength))].length;
    case 'utf16':
      return text.length;
  }
}

export function disclosurePrefix(locale: Locale, brand: string): string {
  return `${DISCLOSURE[locale]} · ${brand}`;
}

/** The text prepared for a partner: disclosure and brand, then the template with their link. */
export function composePost(template: string, { link, locale, brand }: { link: string; locale: Locale; brand: string }): string {
  const body = template.includes('{link}') ? template.split('{link}').join(link) : `${template.trimEnd()}\n${link}`;
  return `${disclosurePrefix(locale, brand)}\n${body.trim()}`;
}

/**
 * Refuses a final text that lost its disclosure or its link, or that the network would refuse as
 * too long (each a clear message; nothing is saved). Returns the text with its ends trimmed.
 */
export function checkPost(text: string, { link, locale, brand, rule }: { link: string; locale: Locale; brand: string; rule: LengthRule }): string {
  const final = text.normalize('NFC').trim();
  const prefix = disclosurePrefix(locale, brand);
  if (!final.startsWith(prefix)) throw new InputError('text', 'post.error.disclosure', { prefix });
  // The link whole, and not glued to other characters that would make it another address.
  const at = final.indexOf(link);
  const after = at === -1 ? '' : final.charAt(at + link.length);
  if (at === -1 || (after !== '' && !/[\s)\]»"'.,!?;:]/u.test(after))) throw new InputError('text', 'post.error.link', { link });
  const length = countLength(final, rule);
  if (length > rule.max) throw new InputError('text', 'post.error.tooLong', { length, max: rule.max });
  return final;
}

/**
 * Each network's own limit as it counts it, for an account whose server does not say otherwise
 * (a Mastodon instance may allow more): templates are checked against these before partners see
 * them. X counts a link as 23 whatever its length, like Mastodon.
 */
export const NETWORK_LENGTH_RULES: Record<NetworkName, LengthRule> = {
  bluesky: { kind: 'graphemes', max: 300 },
  mastodon: { kind: 'code-points-short-links', max: 500, urlLength: 23 },
  telegram: { kind: 'utf16', max: 4096 },
  discord: { kind: 'utf16', max: 2000 },
  webhook: { kind: 'utf16', max: 10_000 },
  x: { kind: 'code-points-short-links', max: 280, urlLength: 23 },
  instagram: { kind: 'utf16', max: 2200 },
  tiktok: { kind: 'utf16', max: 2200 },
  linkedin: { kind: 'utf16', max: 3000 },
  facebook: { kind: 'utf16', max: 63_206 },
};
