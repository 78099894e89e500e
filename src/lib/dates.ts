/**
 * Dates as people read them, in the page's language: « 30 nov. 2026 » or "30 Nov 2026", with the
 * time when it matters (« 30 nov. 2026, 14:12 UTC »). Never a raw ISO timestamp on a page; the
 * machine-readable form goes in `<time datetime>`. UTC, like the days of the statistics.
 */
import type { Locale } from '../config.js';

const formats = new Map<string, Intl.DateTimeFormat>();

export function formatDate(date: Date, locale: Locale, options: { time?: boolean; year?: boolean } = {}): string {
  const key = `${locale}:${options.time === true}:${options.year !== false}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', {
      timeZone: 'UTC',
      day: 'numeric',
      month: 'short',
      ...(options.year === false ? {} : { year: 'numeric' as const }),
      ...(options.time ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const } : {}),
    });
    formats.set(key, format);
  }
  return options.time ? `${format.format(date)} UTC` : format.format(date);
}

/** A statistics day (`YYYY-MM-DD`, UTC) as a short label: « 1 nov. », "1 Nov". */
export function formatDay(day: string, locale: Locale): string {
  return formatDate(new Date(`${day}T00:00:00Z`), locale, { year: false });
}
