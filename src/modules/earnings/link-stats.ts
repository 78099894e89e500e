/**
 * A partner's figures per tracked link and per campaign: clicks, valid clicks and euros for today,
 * the last 7 and the last 30 days, and the clicks not counted over 30 days by reason.
 *
 * The daily summary (partner_daily_stats) has no link, so these come from the click ledger itself,
 * in one query over the partner's last 30 days (index metric_events_partner_time). They follow the
 * summary's definitions exactly, so they agree with the earnings page: a day is a UTC day (the
 * summary's `(occurred_at at time zone 'UTC')::date`), "7 days" is today and the 6 days before it
 * (as the earnings page's 90 days are `daysAgo(now, 89)` onwards), and the euros are
 * Σ amount_cents of the clicks, integer cents, as `earned_cents` is.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { pgArray } from '../../db/pg-array.js';
import { REFUSAL_REASONS, type RefusalReason } from '../../db/schema.js';
import { daysAgo } from './balance.js';
import { reasonCounts } from './daily-stats.js';

/** The periods shown, each the number of UTC days it spans ending today. */
export const LINK_PERIODS = { today: 1, week: 7, month: 30 } as const;
export type LinkPeriod = keyof typeof LINK_PERIODS;
const PERIOD_NAMES = Object.keys(LINK_PERIODS) as LinkPeriod[];
/** The longest period: the not-counted clicks are shown over it. */
export const NOT_COUNTED_DAYS = LINK_PERIODS.month;

export interface PeriodFigures {
  /** Every recorded click, counted or not. */
  clicks: number;
  validClicks: number;
  earnedCents: number;
}

export interface LinkFigures {
  periods: Record<LinkPeriod, PeriodFigures>;
  /** Clicks not counted over NOT_COUNTED_DAYS, by reason. */
  notCounted: Record<RefusalReason, number>;
}

export interface PartnerLinkStats {
  /** By tracked link code; a link without any click in 30 days has no entry (see `emptyFigures`). */
  byLink: Map<string, LinkFigures>;
  /** By campaign id: the sum of the partner's links of that campaign. */
  byCampaign: Map<string, LinkFigures>;
}

export function emptyFigures(): LinkFigures {
  return {
    periods: Object.fromEntries(PERIOD_NAMES.map((period) => [period, { clicks: 0, validClicks: 0, earnedCents: 0 }])) as Record<LinkPeriod, PeriodFigures>,
    notCounted: Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, 0])) as Record<RefusalReason, number>,
  };
}

function addInto(total: LinkFigures, part: LinkFigures): void {
  for (const period of PERIOD_NAMES) {
    total.periods[period].clicks += part.periods[period].clicks;
    total.periods[period].validClicks += part.periods[period].validClicks;
    total.periods[period].earnedCents += part.periods[period].earnedCents;
  }
  for (const reason of REFUSAL_REASONS) total.notCounted[reason] += part.notCounted[reason];
}

/** The figures of all of one partner's links in one query (never one per link). */
export async function partnerLinkStats(db: Db, partnerId: string, options: { now?: Date } = {}): Promise<PartnerLinkStats> {
  const now = options.now ?? new Date();
  const firstDay = daysAgo(now, NOT_COUNTED_DAYS - 1);
  const tomorrow = daysAgo(now, -1);
  const perPeriod = sql.join(
    PERIOD_NAMES.map((period) => {
      const since = sql`${daysAgo(now, LINK_PERIODS[period] - 1)}::date`;
      const name = (suffix: string) => sql.identifier(`${period}_${suffix}`);
      return sql`count(*) filter (where day >= ${since})::int8 as ${name('clicks')},
                 count(*) filter (where day >= ${since} and verdict = 'valid')::int8 as ${name('valid')},
                 coalesce(sum(amount_cents) filter (where day >= ${since}), 0)::int8 as ${name('earned')}`;
    }),
    sql`, `,
  );
  // The bounds on occurred_at are the first day's and tomorrow's UTC midnights, so the index serves
  // the range and `day` (the summary's own expression) decides each period.
  const rows = await queryRows<Record<string, number> & { link_code: string; campaign_id: string }>(
    db,
    sql`select link_code, campaign_id, ${perPeriod}, ${reasonCounts()}
          from (select link_code, campaign_id, verdict, amount_cents, (occurred_at at time zone 'UTC')::date as day
                  from metric_events
                 where partner_id = ${partnerId} and kind = 'click'
                   and occurred_at >= ${`${firstDay}T00:00:00Z`}::timestamptz
                   and occurred_at < ${`${tomorrow}T00:00:00Z`}::timestamptz) as clicks
         group by link_code, campaign_id`,
  );
  const byLink = new Map<string, LinkFigures>();
  const byCampaign = new Map<string, LinkFigures>();
  for (const row of rows) {
    const figures = emptyFigures();
    for (const period of PERIOD_NAMES) {
      figures.periods[period] = { clicks: row[`${period}_clicks`]!, validClicks: row[`${period}_valid`]!, earnedCents: row[`${period}_earned`]! };
    }
    for (const reason of REFUSAL_REASONS) figures.notCounted[reason] = row[reason]!;
    byLink.set(row.link_code, figures);
    const campaignTotal = byCampaign.get(row.campaign_id) ?? emptyFigures();
    addInto(campaignTotal, figures);
    byCampaign.set(row.campaign_id, campaignTotal);
  }
  return { byLink, byCampaign };
}

export interface LinkTotals {
  clicks: number;
  validClicks: number;
  earnedCents: number;
}

/**
 * All-time figures of the given links (a publication's own link, say), from the click ledger
 * (index metric_events_link_time); links without clicks are absent.
 */
export async function linkTotals(db: Db, codes: string[]): Promise<Map<string, LinkTotals>> {
  if (codes.length === 0) return new Map();
  const rows = await queryRows<{ link_code: string; clicks: number; valid: number; cents: number }>(
    db,
    sql`select link_code, count(*)::integer as clicks, count(*) filter (where verdict = 'valid')::integer as valid, coalesce(sum(amount_cents), 0)::bigint as cents
          from metric_events where link_code = any(${pgArray(codes)}::text[]) group by link_code`,
  );
  return new Map(rows.map((row) => [row.link_code, { clicks: Number(row.clicks), validClicks: Number(row.valid), earnedCents: Number(row.cents) }]));
}

/** The figures of several links added up. */
export function sumTotals(totals: Iterable<LinkTotals | undefined>): LinkTotals {
  const sum = { clicks: 0, validClicks: 0, earnedCents: 0 };
  for (const one of totals) {
    if (!one) continue;
    sum.clicks += one.clicks;
    sum.validClicks += one.validClicks;
    sum.earnedCents += one.earnedCents;
  }
  return sum;
}
