/** A count as the page's language writes it: « 1 116 » in French, "1,116" in English. */
import type { Locale } from '../config.js';

const formats = new Map<Locale, Intl.NumberFormat>();

export function formatCount(value: number, locale: Locale): string {
  let format = formats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 0 });
    formats.set(locale, format);
  }
  return format.format(value);
}
