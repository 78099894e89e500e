/**
 * Dates as people read them, in the page's language: « 30 nov. 2026 » or "30 Nov 2026", with the
 * time when it matters (« 30 nov. 2026, 14:12 UTC »). Never a raw ISO timestamp on a page; the
 * machine-readable form goes in `<time datetime>`. UTC, like the days of the statistics.
 */
import type { Locale } from '../config.js';

const formats = new Map<string, Intl.DateTimeFormat>();

export function formatDate(date: Date, locale: Locale, options: { time?: boolean } = {}): string {
  const key = `${locale}:${options.time === true}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', {
      timeZone: 'UTC',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      ...(options.time ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const } : {}),
    });
    formats.set(key, format);
  }
  return options.time ? `${format.format(date)} UTC` : format.format(date);
}
