/**
 * Message catalogues and language negotiation: `?lang=` switch (kept in a cookie), then the cookie,
 * then Accept-Language, then DEFAULT_LOCALE.
 */
import { LOCALES, type Locale } from '../config.js';
import { en } from './en.js';
import { fr, type MessageKey } from './fr.js';

export type { MessageKey };
const catalogues: Record<Locale, Record<MessageKey, string>> = { fr, en };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** `{n, plural, one {…} other {…}}`: the form the language's rules choose for n (French: 0 and 1 are « one »). */
const PLURAL = /\{(\w+), plural, one \{([^{}]*)\} other \{([^{}]*)\}\}/g;
/**
 * `{from, label, withdraw.status}`: the catalogue's label `withdraw.status.<value>` for a code
 * passed as a parameter (a refusal names states by their codes; the page says them in its words).
 */
const LABEL = /\{(\w+), label, ([\w.]+)\}/g;

export function translator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  const plurals = new Intl.PluralRules(locale);
  const numbers = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB');
  // Numbers in the language's format (« 1 116 », "1,116"); text as given.
  const shown = (value: string | number) => (typeof value === 'number' ? numbers.format(value) : value);
  return (key, params) => {
    const text = catalogue[key];
    if (!params) return text;
    return text
      .replace(PLURAL, (whole, name: string, one: string, other: string) => {
        const value = params[name];
        return typeof value === 'number' ? (plurals.select(value) === 'one' ? one : other) : whole;
      })
      .replace(LABEL, (whole, name: string, prefix: string) => {
        const value = params[name];
        return value === undefined ? whole : ((catalogue as Record<string, string>)[`${prefix}.${value}`] ?? String(value));
      })
      .replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? shown(params[name]!) : whole));
  };
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Picks the first supported language of an Accept-Language header, by quality. */
export function negotiateLocale(header: string | undefined, fallback: Locale): Locale {
  if (!header) return fallback;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const entry of ranked) if (isLocale(entry.lang)) return entry.lang;
  return fallback;
}
