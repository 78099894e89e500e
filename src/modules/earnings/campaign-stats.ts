/**
 * What campaigns cost and what their clicks were, for operators: read from the click ledger
 * (`metric_events`), where each click keeps the amount it earned at the rate of its moment (0 when
 * not counted). Spend is therefore Σ amount_cents, the very sum the partners' earnings are made of
 * (daily-stats.ts), so the two can never disagree by a cent. Days are UTC days, as everywhere.
 *
 * The ledger is indexed by partner and time only (an index per campaign would slow every click for
 * the sake of a back-office page). So these queries reach it through the partners who had clicks
 * in the period (the daily summary, indexed by day) and read each one's rows of the period: the cost
 * follows the period's clicks, never the whole ledger.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { REFUSAL_REASONS, type RefusalReason } from '../../db/schema.js';
import type { Window } from '../../lib/periods.js';
import { utcDay } from '../clicks/click-rules.js';
import { reasonCounts } from './daily-stats.js';


export interface ClickTotals {
  clicks: number;
  validClicks: number;
  spendCents: number;
}

/**
 * The click rows of a window as `e(partner_id, campaign_id, verdict, amount_cents, occurred_at)`,
 * for a FROM clause; `campaignId` narrows them to one campaign.
 */
function windowClicks(window: Window, campaignId?: string): SQL {
  const fromDay = utcDay(window.from);
  const lastDay = utcDay(new Date(window.until.getTime() - 1));
  return sql`(select distinct partner_id from partner_daily_stats where day between ${fromDay} and ${lastDay}) as p
    cross join lateral (
      select m.partner_id, m.campaign_id, m.verdict, m.amount_cents, m.occurred_at from metric_events m
       where m.partner_id = p.partner_id and m.kind = 'click'
         and m.occurred_at >= ${window.from.toISOString()}::timestamptz and m.occurred_at < ${window.until.toISOString()}::timestamptz
         ${campaignId === undefined ? sql`` : sql`and m.campaign_id = ${campaignId}::uuid`}
    ) as e`;
}

const TOTALS = sql`count(*)::int8 as clicks,
  count(*) filter (where e.verdict = 'valid')::int8 as valid_clicks,
  coalesce(sum(e.amount_cents), 0)::int8 as spend_cents`;

type TotalsRow = { clicks: number; valid_clicks: number; spend_cents: number };
const totals = (row: TotalsRow): ClickTotals => ({ clicks: row.clicks, validClicks: row.valid_clicks, spendCents: row.spend_cents });

/** Clicks, valid clicks and spend of each campaign that had clicks in the window, by campaign id. */
export async function spendByCampaign(db: Db, window: Window): Promise<Map<string, ClickTotals>> {
  const rows = await queryRows<TotalsRow & { campaign_id: string }>(db, sql`select e.campaign_id, ${TOTALS} from ${windowClicks(window)} group by e.campaign_id`);
  return new Map(rows.map((row) => [row.campaign_id, totals(row)]));
}

/** Every click and the valid ones on one UTC day (`YYYY-MM-DD`), from the daily summary. */
export async function clicksOnDay(db: Db, day: string): Promise<{ clicks: number; validClicks: number }> {
  const refused = sql.join(REFUSAL_REASONS.map((reason) => sql`${sql.identifier(reason)}`), sql` + `);
  const [row] = await queryRows<{ clicks: number; valid_clicks: number }>(
    db,
    sql`select coalesce(sum(valid_clicks + ${refused}), 0)::int8 as clicks, coalesce(sum(valid_clicks), 0)::int8 as valid_clicks
          from partner_daily_stats where day = ${day}`,
  );
  return { clicks: row?.clicks ?? 0, validClicks: row?.valid_clicks ?? 0 };
}

export interface CampaignDay extends ClickTotals {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
}

export interface CampaignStats extends ClickTotals {
  notCounted: Record<RefusalReason, number>;
  /** Days with at least one click, oldest first. */
  days: CampaignDay[];
}

/** One campaign's clicks over a window: totals, the reasons of those not counted, and each day. */
export async function campaignStats(db: Db, campaignId: string, window: Window): Promise<CampaignStats> {
  const rows = await queryRows<TotalsRow & Record<RefusalReason, number> & { day: string }>(
    db,
    sql`select to_char((e.occurred_at at time zone 'UTC')::date, 'YYYY-MM-DD') as day, ${TOTALS}, ${reasonCounts(sql`e.verdict`)}
          from ${windowClicks(window, campaignId)} group by 1 order by 1`,
  );
  const notCounted = Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, rows.reduce((sum, row) => sum + row[reason], 0)])) as Record<RefusalReason, number>;
  const days = rows.map((row) => ({ day: row.day, ...totals(row) }));
  return {
    clicks: days.reduce((sum, d) => sum + d.clicks, 0),
    validClicks: days.reduce((sum, d) => sum + d.validClicks, 0),
    spendCents: days.reduce((sum, d) => sum + d.spendCents, 0),
    notCounted,
    days,
  };
}

/** The campaign's partners with the most valid clicks in the window (ties: spend, then id). */
export async function topPartnersOfCampaign(db: Db, campaignId: string, window: Window, limit = 10): Promise<Array<{ partnerId: string; validClicks: number; spendCents: number }>> {
  const rows = await queryRows<{ partner_id: string; valid_clicks: number; spend_cents: number }>(
    db,
    sql`select e.partner_id, count(*) filter (where e.verdict = 'valid')::int8 as valid_clicks, coalesce(sum(e.amount_cents), 0)::int8 as spend_cents
          from ${windowClicks(window, campaignId)}
         group by e.partner_id having count(*) filter (where e.verdict = 'valid') > 0
         order by valid_clicks desc, spend_cents desc, e.partner_id limit ${limit}`,
  );
  return rows.map((row) => ({ partnerId: row.partner_id, validClicks: row.valid_clicks, spendCents: row.spend_cents }));
}
