/**
 * Revenue share's arithmetic, pure and exact (integer cents; bigint where a product could pass
 * 2^53): what a sale earns under a campaign's terms, the share of a commission a refund cancels,
 * and the reading of an amount as the shop sends it.
 */
import { InputError } from '../../lib/errors.js';
import { MAX_CENTS, parseEurosToCents } from '../../lib/money.js';

export interface SaleTerms {
  /** A share of the sale's amount, in basis points (1 bp = 0.01 %; 10000 = all of it). */
  commissionBp: number;
  /** A fixed amount per sale, in cents. */
  commissionFixedCents: number;
}

/** a × b ÷ c rounded half up, exactly, for non-negative integers. */
function mulDivRound(a: number, b: number, c: number): number {
  const product = BigInt(a) * BigInt(b);
  return Number((product * 2n + BigInt(c)) / (BigInt(c) * 2n));
}

/** What a sale of `amountCents` earns: its share (rounded to the nearest cent, half up) plus the fixed amount. */
export function commissionFor(terms: SaleTerms, amountCents: number): number {
  return mulDivRound(amountCents, terms.commissionBp, 10_000) + terms.commissionFixedCents;
}

/**
 * How much of a commission refunds totalling `refundedCents` of a sale cancel, pro rata: computed
 * on the running total (not refund by refund), so partial refunds add up to exactly the whole
 * commission when the whole sale is refunded, never a cent more or less.
 */
export function cancelledShare(commissionCents: number, amountCents: number, refundedCents: number): number {
  if (refundedCents >= amountCents) return commissionCents;
  return mulDivRound(commissionCents, refundedCents, amountCents);
}

/** Is a campaign paying per sale at all? */
export const paysPerSale = (terms: SaleTerms): boolean => terms.commissionBp > 0 || terms.commissionFixedCents > 0;

/**
 * An amount as a shop sends it, in euros: a JSON number (19.99) or a decimal string ("19.99",
 * "19,99"), more than zero, at most two decimals, at most MAX_CENTS. Anything else (NaN, a
 * negative, an exponent, a third decimal, an absurd amount) is refused naming `field`.
 */
export function parseSaleAmount(value: unknown, field = 'amount'): number {
  let text: string | null = null;
  if (typeof value === 'number') text = Number.isFinite(value) ? String(value) : 'NaN';
  else if (typeof value === 'string' && value.length <= 40) text = value;
  const parsed = text === null ? null : parseEurosToCents(text);
  if (!parsed || !parsed.ok) {
    if (parsed && !parsed.ok && parsed.reason === 'too_large') throw new InputError(field, 'sale.error.amountTooLarge', { max: MAX_CENTS / 100 });
    throw new InputError(field, 'sale.error.amount');
  }
  if (parsed.cents <= 0) throw new InputError(field, 'sale.error.amountZero');
  return parsed.cents;
}

/** Basis points from a percentage as an operator types it ("12,5" → 1250): 0 to 100, at most two decimals. */
export function parsePercentToBp(value: unknown, field = 'commissionPercent'): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return 0;
  const parsed = typeof value === 'string' || typeof value === 'number' ? parseEurosToCents(String(value)) : null;
  if (!parsed || !parsed.ok || parsed.cents > 10_000) throw new InputError(field, 'sale.error.percent');
  return parsed.cents;
}
