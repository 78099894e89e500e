/**
 * Sales and refunds, one ledger whichever way they are reported (the conversion API, Stripe's
 * webhooks, an operator's CSV import):
 *
 * - A sale is recorded once per campaign and order id: a retry (or 50 at once) finds the first and
 *   answers the same; the same order with another amount is a conflict. Its click id names the
 *   click it came from: attributed when that click counted, is the partner's, and is at most the
 *   campaign's attribution window older than the sale; otherwise it is recorded with the reason it
 *   earns nothing, for the operator. A click id that names no click, or another campaign's, is
 *   refused: nothing is recorded.
 * - Its commission is fixed then, from the campaign's terms, and held until `hold_until` (the
 *   campaign's holding period); the balance reads it as confirmed after that (earnings/balance.ts).
 * - A refund is recorded once per reference, never past the sale's amount. During the hold it
 *   cancels its share of the commission; after, the same share becomes a negative adjustment.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { sales, type SaleAttribution } from '../../db/schema.js';
import { ConflictError, DomainError, InputError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { centsToDecimalString } from '../../lib/money.js';
import { cancelledShare, commissionFor, parseSaleAmount } from './sale-terms.js';

export type Sale = typeof sales.$inferSelect;
export type SaleSource = Sale['source'];

/** What sales need besides the database: reading a click id (clicks/click-id.ts) and the time. */
export interface SalesDeps {
  /** The metric_events id a click id names, or null when it is malformed or forged. */
  parseClickId(text: string): number | null;
  clock?: () => Date;
}

export interface SaleInput {
  orderId?: unknown;
  amount?: unknown;
  currency?: unknown;
  clickId?: unknown;
  customerRef?: unknown;
  /** When the sale was made (ISO 8601); now when absent. */
  soldAt?: unknown;
}

const MAX_AGE_MS = 366 * 86_400_000;

function cleanText(value: unknown, field: string, key: 'sale.error.orderId' | 'sale.error.customerRef' | 'sale.error.refundRef', required: boolean): string | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '' && !required)) return null;
  const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
  if (text.length < 1 || text.length > 200) throw new InputError(field, key);
  return text;
}

function cleanCurrency(value: unknown): void {
  if (typeof value !== 'string' || value.trim().toUpperCase() !== 'EUR') throw new InputError('currency', 'sale.error.currency');
}

function cleanDate(value: unknown, now: Date, field = 'soldAt'): Date {
  if (value === undefined || value === null || value === '') return now;
  const textValue = typeof value === 'string' ? value.trim() : '';
  // A day alone is the end of that UTC day (not its first second, before that morning's click),
  // never later than now; a time must say its offset (the server's zone never decides).
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(textValue);
  const withTime = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/.test(textValue);
  const parsed = dayOnly ? new Date(`${textValue}T23:59:59.999Z`) : withTime ? new Date(textValue.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : null;
  const date = parsed && dayOnly && parsed.getTime() > now.getTime() ? (new Date(`${textValue}T00:00:00Z`).getTime() <= now.getTime() ? now : parsed) : parsed;
  // A little ahead is a clock's drift; a day ahead or more than a year back is a mistake.
  if (!date || Number.isNaN(date.getTime()) || date.getTime() > now.getTime() + 86_400_000 || date.getTime() < now.getTime() - MAX_AGE_MS) throw new InputError(field, 'sale.error.soldAt');
  return date;
}

interface Campaign {
  id: string;
  commission_bp: number;
  commission_fixed_cents: number;
  attribution_days: number;
  holding_days: number;
}

interface Click {
  id: number;
  partner_id: string;
  campaign_id: string;
  verdict: string;
  occurred_at: Date | string;
}

async function campaignTerms(db: Db, campaignId: string): Promise<Campaign> {
  if (!isUuid(campaignId)) throw new NotFoundError('campaign');
  const [campaign] = await queryRows<Campaign>(db, sql`select id, commission_bp, commission_fixed_cents, attribution_days, holding_days from campaigns where id = ${campaignId}`);
  if (!campaign) throw new NotFoundError('campaign');
  return campaign;
}

/** The click verdicts whose visitor's purchase earns. */
const ATTRIBUTABLE_VERDICTS: readonly string[] = ['valid', 'duplicate', 'over_cap'];

/** Why a sale earns or not, from its click (null: no click id given). */
function attribute(campaign: Campaign, click: Click | null, soldAt: Date): { attribution: SaleAttribution; verdict: string | null } {
  if (!click) return { attribution: 'no_click', verdict: null };
  if (click.verdict === 'self') return { attribution: 'own_click', verdict: click.verdict };
  // A visitor coming back (a duplicate) or a click past the partner's daily cap is still a person
  // the partner sent: their purchase earns. A bot's, a prefetch's, a paused campaign's or a
  // suspended partner's click does not.
  if (!ATTRIBUTABLE_VERDICTS.includes(click.verdict)) return { attribution: 'invalid_click', verdict: click.verdict };
  const age = soldAt.getTime() - new Date(click.occurred_at).getTime();
  if (age < -60_000 || age > campaign.attribution_days * 86_400_000) return { attribution: 'outside_window', verdict: null };
  return { attribution: 'attributed', verdict: null };
}

export interface RecordedSale {
  sale: Sale;
  /** True when this order was already recorded (a retry): nothing changed. */
  replayed: boolean;
}

/**
 * Records a sale for the campaign (see the module's comment). Every input is checked before
 * anything is written; a retry with the same order and amount answers the first sale.
 */
export async function recordSale(db: Db, deps: SalesDeps, campaignId: string, source: SaleSource, input: SaleInput, options: { unmatchedClick?: 'refuse' | 'record' } = {}): Promise<RecordedSale> {
  const now = deps.clock?.() ?? new Date();
  const campaign = await campaignTerms(db, campaignId);
  const orderId = cleanText(input.orderId, 'orderId', 'sale.error.orderId', true)!;
  const amountCents = parseSaleAmount(input.amount);
  cleanCurrency(input.currency);
  const customerRef = cleanText(input.customerRef, 'customerRef', 'sale.error.customerRef', false);
  const soldAt = cleanDate(input.soldAt, now);
  const clickRef = input.clickId === undefined || input.clickId === null || input.clickId === '' ? null : String(input.clickId).trim().slice(0, 200);

  let click: Click | null = null;
  let unmatched: SaleAttribution | null = null;
  if (clickRef !== null) {
    const eventId = deps.parseClickId(clickRef);
    click = (eventId === null ? undefined : (await queryRows<Click>(db, sql`select id, partner_id, campaign_id, verdict, occurred_at from metric_events where id = ${eventId}`))[0]) ?? null;
    if (!click || click.campaign_id !== campaign.id) {
      // A shop's API call is told (nothing recorded); a payment platform's event is a sale all the same.
      if (options.unmatchedClick !== 'record') throw new InputError('clickId', click ? 'sale.error.clickForeign' : 'sale.error.clickUnknown');
      unmatched = click ? 'other_campaign' : 'unknown_click';
      click = null;
    }
  }
  const { attribution, verdict } = unmatched ? { attribution: unmatched, verdict: null } : attribute(campaign, click, soldAt);
  const commissionCents = attribution === 'attributed' ? commissionFor({ commissionBp: campaign.commission_bp, commissionFixedCents: campaign.commission_fixed_cents }, amountCents) : 0;
  // The hold runs from the sale, as a shop's refund window does (a sale reported late has less of it left).
  const holdUntil = commissionCents > 0 ? new Date(soldAt.getTime() + campaign.holding_days * 86_400_000) : null;

  return db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(sales)
      .values({
        campaignId: campaign.id,
        orderId,
        source,
        amountCents,
        soldAt,
        customerRef,
        clickRef,
        clickEventId: click?.id ?? null,
        partnerId: attribution === 'attributed' ? click!.partner_id : null,
        attribution,
        clickVerdict: verdict,
        commissionCents,
        holdUntil,
      })
      .onConflictDoNothing({ target: [sales.campaignId, sales.orderId] })
      .returning();
    if (inserted) return { sale: inserted, replayed: false };
    // Recorded before (a retry, or a report racing this one): the same amount answers it.
    const [earlier] = await tx.select().from(sales).where(sql`${sales.campaignId} = ${campaign.id} and ${sales.orderId} = ${orderId}`);
    if (earlier!.amountCents !== amountCents) throw new ConflictError('order_conflict', 'sale.error.orderConflict', { amount: centsToDecimalString(earlier!.amountCents) });
    return { sale: earlier!, replayed: true };
  });
}

export interface RefundInput {
  orderId?: unknown;
  refundId?: unknown;
  amount?: unknown;
  currency?: unknown;
  refundedAt?: unknown;
}

export interface RecordedRefund {
  sale: Sale;
  refundId: string;
  /** What it took from the partner: cancelled from the pending commission, or as an adjustment after confirmation. */
  commissionCents: number;
  afterConfirmation: boolean;
  replayed: boolean;
}

/**
 * Records a refund of a campaign's order (see the module's comment): the sale's row lock makes
 * concurrent refunds of one sale add up in turn; their total can never pass the sale's amount.
 */
export async function recordRefund(db: Db, deps: Pick<SalesDeps, 'clock'>, campaignId: string, input: RefundInput): Promise<RecordedRefund> {
  const now = deps.clock?.() ?? new Date();
  if (!isUuid(campaignId)) throw new NotFoundError('campaign');
  const orderId = cleanText(input.orderId, 'orderId', 'sale.error.orderId', true)!;
  const refundRef = cleanText(input.refundId, 'refundId', 'sale.error.refundRef', true)!;
  const amountCents = parseSaleAmount(input.amount);
  cleanCurrency(input.currency);
  const refundedAt = cleanDate(input.refundedAt, now, 'refundedAt');

  return db.transaction(async (tx) => {
    const [sale] = await tx.select().from(sales).where(sql`${sales.campaignId} = ${campaignId} and ${sales.orderId} = ${orderId}`).for('update');
    if (!sale) throw new DomainError('unknown_order', 404, 'sale.error.unknownOrder', {}, 'orderId');
    const [earlier] = await queryRows<{ id: string; amount_cents: number; commission_cents: number; after_confirmation: boolean }>(
      tx,
      sql`select id, amount_cents, commission_cents, after_confirmation from sale_refunds where sale_id = ${sale.id} and refund_ref = ${refundRef}`,
    );
    if (earlier) {
      if (Number(earlier.amount_cents) !== amountCents) throw new ConflictError('refund_conflict', 'sale.error.refundConflict');
      return { sale, refundId: earlier.id, commissionCents: Number(earlier.commission_cents), afterConfirmation: earlier.after_confirmation, replayed: true };
    }
    const left = sale.amountCents - sale.refundedCents;
    if (amountCents > left) throw new InputError('amount', 'sale.error.refundTooLarge', { left: centsToDecimalString(left) });
    const refunded = sale.refundedCents + amountCents;
    // Its share of the commission: the running total's share less what earlier refunds took.
    const before = cancelledShare(sale.commissionCents, sale.amountCents, sale.refundedCents);
    const share = cancelledShare(sale.commissionCents, sale.amountCents, refunded) - before;
    const afterConfirmation = sale.holdUntil !== null && sale.holdUntil.getTime() <= now.getTime();
    const [refund] = await queryRows<{ id: string }>(
      tx,
      sql`insert into sale_refunds (sale_id, refund_ref, amount_cents, refunded_at, commission_cents, after_confirmation)
          values (${sale.id}, ${refundRef}, ${amountCents}, ${refundedAt.toISOString()}::timestamptz, ${share}, ${afterConfirmation})
          returning id`,
    );
    const [after] = await tx
      .update(sales)
      .set({ refundedCents: refunded, ...(afterConfirmation ? {} : { reversedCents: sale.reversedCents + share }) })
      .where(sql`${sales.id} = ${sale.id}`)
      .returning();
    if (afterConfirmation && share > 0) {
      await tx.execute(sql`insert into adjustments (partner_id, amount_cents, kind, reason, refund_id)
                           values (${sale.partnerId}, ${-share}, 'refund', ${`refund ${refundRef} of order ${orderId}`.slice(0, 500)}, ${refund!.id})`);
    }
    return { sale: after!, refundId: refund!.id, commissionCents: share, afterConfirmation, replayed: false };
  });
}
