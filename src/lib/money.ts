/**
 * Money is an integer number of euro cents everywhere: in the database, in code, in settings once
 * parsed. Floats never hold money (in the original design a float `nan` passed every comparison and was accepted as an amount).
 */

/** An amount of money: a whole number of euro cents (never a float, never euros). */
export type Cents = number;

/** Largest amount we accept from a person or a setting: 1 000 000 000,00 €. */
export const MAX_CENTS = 100_000_000_000;

const DECIMAL_EUROS = /^(\d{1,12})(?:[.,](\d{1,2}))?$/;

export type CentsParse = { ok: true; cents: Cents } | { ok: false; reason: 'empty' | 'format' | 'too_large' };

/**
 * Parses a plain decimal euro amount ("12", "12.5", "12,50") into cents, exactly.
 * Refuses everything else: signs, exponents, `NaN`, `Infinity`, more than two decimals, spaces inside.
 */
export function parseEurosToCents(input: string): CentsParse {
  const text = input.trim();
  if (text === '') return { ok: false, reason: 'empty' };
  const match = DECIMAL_EUROS.exec(text);
  if (!match) return { ok: false, reason: 'format' };
  const euros = Number(match[1]);
  const fraction = (match[2] ?? '').padEnd(2, '0');
  const cents = euros * 100 + Number(fraction);
  if (cents > MAX_CENTS) return { ok: false, reason: 'too_large' };
  return { ok: true, cents };
}

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Formats cents for display: `1 234,56 €` in French, `€1,234.56` in English. `wholeEuros` drops
 * `,00` from round amounts (« Paiement dès 10 € »); balances keep their cents.
 */
export function formatCents(cents: Cents, locale: string, options: { wholeEuros?: boolean } = {}): string {
  if (!Number.isSafeInteger(cents)) throw new TypeError(`not an integer amount of cents: ${cents}`);
  const whole = options.wholeEuros === true && cents % 100 === 0;
  const key = `${locale}:${whole}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', {
      style: 'currency',
      currency: 'EUR',
      minimumFractionDigits: whole ? 0 : 2,
      maximumFractionDigits: whole ? 0 : 2,
    });
    formatters.set(key, formatter);
  }
  // Intl reads the exact decimal text (never a float of euros).
  return formatter.format(centsToDecimalString(cents) as Intl.StringNumericLiteral);
}

/** An amount with its sign, as an adjustment is read: « +12,50 € », « −3,00 € » (a true minus). */
export function formatSignedCents(cents: Cents, locale: string): string {
  return cents > 0 ? `+${formatCents(cents, locale)}` : `−${formatCents(-cents, locale)}`;
}

/**
 * Cents as a plain decimal euro amount, exactly, by integer arithmetic: 1250 → "12.50" (payment
 * files, CSV, the API, form values), or "12,50" with a comma for French forms.
 */
export function centsToDecimalString(cents: Cents, options: { decimalSeparator?: '.' | ',' } = {}): string {
  if (!Number.isSafeInteger(cents)) throw new TypeError(`not an integer amount of cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const magnitude = Math.abs(cents);
  return `${sign}${Math.floor(magnitude / 100)}${options.decimalSeparator ?? '.'}${String(magnitude % 100).padStart(2, '0')}`;
}
