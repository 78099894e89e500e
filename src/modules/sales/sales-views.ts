/**
 * Reading the sales ledger for pages: a partner's own sales with each one's status (pending until
 * its hold ends, confirmed, refunded in part or in full), what is held and when it is released,
 * their adjustments with their reasons; and, for operators, a campaign's or a partner's latest
 * sales with their totals and the sales that earned nothing grouped by why. Statuses are read
 * against `now`, as the balance reads them (earnings/balance.ts): nothing has to run for a
 * commission to be confirmed.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import type { SaleAttribution } from '../../db/schema.js';

/** The latest sales a page lists. */
export const SALES_SHOWN = 50;

export type SaleStatus = 'pending' | 'confirmed' | 'refunded';

export interface SaleRow {
  id: string;
  soldAt: Date;
  campaignId: string;
  campaignName: string;
  orderId: string;
  source: 'api' | 'stripe' | 'csv';
  amountCents: number;
  /** The commission still owed: as recorded, less what refunds during the hold cancelled. */
  commissionCents: number;
  /** The commission as recorded with the sale. */
  grossCommissionCents: number;
  refundedCents: number;
  holdUntil: Date | null;
  attribution: SaleAttribution;
  clickVerdict: string | null;
  /** The partner the sale is attributed to, or whose click it named (operators' pages). */
  partnerId: string | null;
  partnerEmail: string | null;
  status: SaleStatus;
  /** Refunded in part (the status says whether the rest is pending or confirmed). */
  partlyRefunded: boolean;
}

interface RawSale {
  id: string;
  sold_at: Date | string;
  campaign_id: string;
  campaign_name: string;
  order_id: string;
  source: SaleRow['source'];
  amount_cents: number;
  commission_cents: number;
  reversed_cents: number;
  refunded_cents: number;
  hold_until: Date | string | null;
  attribution: SaleAttribution;
  click_verdict: string | null;
  partner_id: string | null;
  partner_email: string | null;
}

const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));

function saleRow(raw: RawSale, now: Date): SaleRow {
  const amountCents = Number(raw.amount_cents);
  const refundedCents = Number(raw.refunded_cents);
  const holdUntil = raw.hold_until === null ? null : date(raw.hold_until);
  const status: SaleStatus = refundedCents >= amountCents ? 'refunded' : holdUntil !== null && holdUntil.getTime() > now.getTime() ? 'pending' : 'confirmed';
  return {
    id: raw.id,
    soldAt: date(raw.sold_at),
    campaignId: raw.campaign_id,
    campaignName: raw.campaign_name,
    orderId: raw.order_id,
    source: raw.source,
    amountCents,
    commissionCents: Number(raw.commission_cents) - Number(raw.reversed_cents),
    grossCommissionCents: Number(raw.commission_cents),
    refundedCents,
    holdUntil,
    attribution: raw.attribution,
    clickVerdict: raw.click_verdict,
    partnerId: raw.partner_id,
    partnerEmail: raw.partner_email,
    status,
    partlyRefunded: refundedCents > 0 && refundedCents < amountCents,
  };
}

/** Sales of the scope, newest first: who earned each (or whose click it named) and the campaign's name. */
function salesQuery(where: SQL, limit: number): SQL {
  return sql`select s.id, s.sold_at, s.campaign_id, c.name as campaign_name, s.order_id, s.source, s.amount_cents, s.commission_cents,
                    s.reversed_cents, s.refunded_cents, s.hold_until, s.attribution, s.click_verdict,
                    coalesce(s.partner_id, e.partner_id) as partner_id, p.email as partner_email
               from sales s
               join campaigns c on c.id = s.campaign_id
               left join metric_events e on e.id = s.click_event_id
               left join partners p on p.id = coalesce(s.partner_id, e.partner_id)
              where ${where}
              order by s.sold_at desc, s.created_at desc, s.id
              limit ${limit}`;
}

export interface PartnerSales {
  sales: SaleRow[];
  /** All of the partner's attributed sales, over every page. */
  count: number;
  /** Commissions still in their holding period, less what refunds cancelled. */
  heldCents: number;
  /** The next day held commissions become available, and how much then (UTC day). */
  nextRelease: { at: Date; cents: number } | null;
}

/** The partner's own sales (attributed to them), the latest `limit`, and what is held. */
export async function partnerSales(db: Db, partnerId: string, options: { now?: Date; limit?: number } = {}): Promise<PartnerSales> {
  const now = options.now ?? new Date();
  const at = sql`${now.toISOString()}::timestamptz`;
  const rows = await queryRows<RawSale>(db, salesQuery(sql`s.partner_id = ${partnerId}`, options.limit ?? SALES_SHOWN));
  const [totals] = await queryRows<{ count: number; held: number }>(
    db,
    sql`select count(*)::int8 as count, coalesce(sum(commission_cents - reversed_cents) filter (where hold_until > ${at}), 0)::int8 as held
          from sales where partner_id = ${partnerId}`,
  );
  const [next] = await queryRows<{ at: Date | string; cents: number }>(
    db,
    sql`select min(hold_until) as at, sum(commission_cents - reversed_cents)::int8 as cents
          from sales where partner_id = ${partnerId} and hold_until > ${at} and commission_cents > reversed_cents
         group by (hold_until at time zone 'UTC')::date order by 1 limit 1`,
  );
  return {
    sales: rows.map((row) => saleRow(row, now)),
    count: Number(totals?.count ?? 0),
    heldCents: Number(totals?.held ?? 0),
    nextRelease: next ? { at: date(next.at), cents: Number(next.cents) } : null,
  };
}

export interface AdjustmentRow {
  id: string;
  amountCents: number;
  kind: 'manual' | 'refund';
  /** The operator's reason (manual); for a refund after confirmation, the order refunded. */
  reason: string;
  orderId: string | null;
  campaignName: string | null;
  createdAt: Date;
}

/** The partner's adjustments, newest first: an operator's with their reason, refunds after confirmation with their order. */
export async function partnerAdjustments(db: Db, partnerId: string, limit = SALES_SHOWN): Promise<AdjustmentRow[]> {
  const rows = await queryRows<{ id: string; amount_cents: number; kind: 'manual' | 'refund'; reason: string; order_id: string | null; campaign_name: string | null; created_at: Date | string }>(
    db,
    sql`select a.id, a.amount_cents, a.kind, a.reason, s.order_id, c.name as campaign_name, a.created_at
          from adjustments a
          left join sale_refunds r on r.id = a.refund_id
          left join sales s on s.id = r.sale_id
          left join campaigns c on c.id = s.campaign_id
         where a.partner_id = ${partnerId}
         order by a.created_at desc, a.id
         limit ${limit}`,
  );
  return rows.map((row) => ({
    id: row.id,
    amountCents: Number(row.amount_cents),
    kind: row.kind,
    reason: row.reason,
    orderId: row.order_id,
    campaignName: row.campaign_name,
    createdAt: date(row.created_at),
  }));
}

/** Why sales earned nothing, with how many and for how much. `verdict` is the click's when it did not count. */
export interface RefusalGroup {
  attribution: Exclude<SaleAttribution, 'attributed'>;
  verdict: string | null;
  count: number;
  amountCents: number;
}

export interface SalesOverview {
  sales: SaleRow[];
  totals: {
    count: number;
    amountCents: number;
    attributed: number;
    /** Commissions owed (less what refunds cancelled), pending and confirmed. */
    commissionCents: number;
    heldCents: number;
    refundedCents: number;
  };
  refusals: RefusalGroup[];
}

/**
 * An operator's view of a campaign's sales, or of a partner's: the latest `limit`, totals over all
 * of them, and those that earned nothing by reason. A partner's include the sales their clicks
 * named that did not earn (their own click, a bot's, too old).
 */
export async function salesOverview(db: Db, scope: { campaignId: string } | { partnerId: string }, options: { now?: Date; limit?: number } = {}): Promise<SalesOverview> {
  const now = options.now ?? new Date();
  const at = sql`${now.toISOString()}::timestamptz`;
  const where =
    'campaignId' in scope
      ? sql`s.campaign_id = ${scope.campaignId}`
      : sql`(s.partner_id = ${scope.partnerId} or (s.partner_id is null and e.partner_id = ${scope.partnerId}))`;
  const rows = await queryRows<RawSale>(db, salesQuery(where, options.limit ?? SALES_SHOWN));
  const [totals] = await queryRows<{ count: number; amount: number; attributed: number; commission: number; held: number; refunded: number }>(
    db,
    sql`select count(*)::int8 as count, coalesce(sum(s.amount_cents), 0)::int8 as amount,
               count(*) filter (where s.attribution = 'attributed')::int8 as attributed,
               -- What is owed: refunds after confirmation (taken back as adjustments) count here too.
               coalesce(sum(s.commission_cents - s.reversed_cents
                             - coalesce((select sum(f.commission_cents) from sale_refunds f where f.sale_id = s.id and f.after_confirmation), 0)), 0)::int8 as commission,
               coalesce(sum(s.commission_cents - s.reversed_cents) filter (where s.hold_until > ${at}), 0)::int8 as held,
               coalesce(sum(s.refunded_cents), 0)::int8 as refunded
          from sales s left join metric_events e on e.id = s.click_event_id
         where ${where}`,
  );
  const refusals = await queryRows<{ attribution: RefusalGroup['attribution']; verdict: string | null; count: number; amount: number }>(
    db,
    sql`select s.attribution, s.click_verdict as verdict, count(*)::int8 as count, sum(s.amount_cents)::int8 as amount
          from sales s left join metric_events e on e.id = s.click_event_id
         where ${where} and s.attribution <> 'attributed'
         group by s.attribution, s.click_verdict
         order by count(*) desc, s.attribution, s.click_verdict`,
  );
  return {
    sales: rows.map((row) => saleRow(row, now)),
    totals: {
      count: Number(totals?.count ?? 0),
      amountCents: Number(totals?.amount ?? 0),
      attributed: Number(totals?.attributed ?? 0),
      commissionCents: Number(totals?.commission ?? 0),
      heldCents: Number(totals?.held ?? 0),
      refundedCents: Number(totals?.refunded ?? 0),
    },
    refusals: refusals.map((row) => ({ attribution: row.attribution, verdict: row.verdict, count: Number(row.count), amountCents: Number(row.amount) })),
  };
}
