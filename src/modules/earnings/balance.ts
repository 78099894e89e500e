/**
 * A partner's money, in integer cents, over ALL time (the original design counted earnings over 90 days
 * but payouts over all time, so earnings vanished). Clicks are read from the daily summary, whose
 * size grows with days, not with clicks; commissions from sales (modules/sales):
 *   earned = confirmed clicks + confirmed commissions + adjustments;
 *   held = clicks still in CLICK_HOLDING_DAYS + commissions in their campaign's holding period;
 *   paid = Σ payouts; pending = Σ requests in RESERVING_STATUSES;
 *   available = earned − paid − pending (below zero after a refund of confirmed money: nothing can
 *   be withdrawn until it is positive again).
 * A commission is confirmed when its hold ends (`hold_until`), read against `now`: nothing has to
 * run for money to become available, and nothing can be late.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { REFUSAL_REASONS, type RefusalReason } from '../../db/schema.js';
import { pgArray } from '../../db/pg-array.js';
import { utcDay } from '../clicks/click-rules.js';
import { RESERVING_STATUSES } from '../withdrawals/withdrawal-states.js';
import { reasonColumns } from './daily-stats.js';

export const RECENT_DAYS = 90;

export interface Balance {
  /** Confirmed clicks + confirmed commissions + adjustments. */
  earnedCents: number;
  /** Of which: valid clicks past their holding days. */
  clickCents: number;
  /** Of which: commissions past their holding period, less what refunds cancelled. */
  commissionCents: number;
  /** Of which: adjustments (an operator's, refunds after confirmation), either sign. */
  adjustmentCents: number;
  /** Not yet earned: clicks and commissions still held. */
  heldCents: number;
  paidCents: number;
  pendingCents: number;
  availableCents: number;
  validClicks90d: number;
  earned90dCents: number;
  /** Earnings ÷ valid clicks over 90 days, in cents (rounded); the fallback rate when there are none. */
  epcCents90d: number;
  notCounted: Record<RefusalReason, number>;
}

/**
 * The reasons that say something about how a partner gets clicks, as an operator weighs a
 * withdrawal: not those that follow the operator's own decisions (a paused campaign, a suspension).
 */
export const FRAUD_SIGNALS: readonly RefusalReason[] = ['bot', 'duplicate', 'self', 'over_cap', 'not_navigation'];

/** Clicks refused over 90 days for one of the FRAUD_SIGNALS. */
export function suspiciousClicks(balance: Pick<Balance, 'notCounted'>): number {
  return FRAUD_SIGNALS.reduce((sum, reason) => sum + balance.notCounted[reason], 0);
}

export function daysAgo(now: Date, days: number): string {
  return utcDay(new Date(now.getTime() - days * 86_400_000));
}

export interface BalanceOptions {
  fallbackEpcCents: number;
  now?: Date;
  /** CLICK_HOLDING_DAYS: a valid click's earnings are held this many UTC days (0: none). */
  clickHoldingDays?: number;
}

export async function partnerBalance(db: Db, partnerId: string, options: BalanceOptions): Promise<Balance> {
  return (await partnerBalances(db, [partnerId], options)).get(partnerId)!;
}

/** The balances of several partners in one query (the operators' withdrawals list). */
export async function partnerBalances(db: Db, partnerIds: string[], options: BalanceOptions): Promise<Map<string, Balance>> {
  if (partnerIds.length === 0) return new Map();
  const now = options.now ?? new Date();
  const since = daysAgo(now, RECENT_DAYS - 1);
  // Clicks of these days are still held (none with 0 holding days).
  const heldFrom = daysAgo(now, (options.clickHoldingDays ?? 0) - 1);
  const ids = sql`${pgArray(partnerIds)}::uuid[]`;
  const reasons = sql.join(REFUSAL_REASONS.map((reason) => sql`coalesce(sum(${sql.identifier(reason)}) filter (where day >= ${since}), 0)::int8 as ${sql.identifier(reason)}`), sql`, `);
  const rows = await queryRows<Record<string, number> & { partner_id: string }>(
    db,
    sql`with stats as (
          select partner_id,
                 coalesce(sum(earned_cents) filter (where day < ${heldFrom}), 0)::int8 as earned,
                 coalesce(sum(earned_cents) filter (where day >= ${heldFrom}), 0)::int8 as held_clicks,
                 coalesce(sum(valid_clicks) filter (where day >= ${since}), 0)::int8 as valid90,
                 coalesce(sum(earned_cents) filter (where day >= ${since}), 0)::int8 as earned90,
                 ${reasons}
            from partner_daily_stats where partner_id = any(${ids}) group by partner_id
        ), paid as (
          select partner_id, sum(amount_cents)::int8 as paid from payouts where partner_id = any(${ids}) group by partner_id
        ), pending as (
          select partner_id, sum(amount_cents)::int8 as pending from withdraw_requests
           where partner_id = any(${ids}) and status = any(${pgArray([...RESERVING_STATUSES])}::text[]) group by partner_id
        ), commissions as (
          select partner_id,
                 coalesce(sum(commission_cents - reversed_cents) filter (where hold_until <= ${now.toISOString()}::timestamptz), 0)::int8 as confirmed,
                 coalesce(sum(commission_cents - reversed_cents) filter (where hold_until > ${now.toISOString()}::timestamptz), 0)::int8 as held
            from sales where partner_id = any(${ids}) and commission_cents > 0 group by partner_id
        ), adjusted as (
          select partner_id, sum(amount_cents)::int8 as adjusted from adjustments where partner_id = any(${ids}) group by partner_id
        )
        select p.partner_id, s.earned, s.held_clicks, s.valid90, s.earned90, ${reasonColumns('s')},
               coalesce(paid.paid, 0)::int8 as paid, coalesce(pending.pending, 0)::int8 as pending,
               coalesce(commissions.confirmed, 0)::int8 as commissions, coalesce(commissions.held, 0)::int8 as held_commissions,
               coalesce(adjusted.adjusted, 0)::int8 as adjusted
          from unnest(${ids}) as p(partner_id)
          left join stats s on s.partner_id = p.partner_id
          left join paid on paid.partner_id = p.partner_id
          left join pending on pending.partner_id = p.partner_id
          left join commissions on commissions.partner_id = p.partner_id
          left join adjusted on adjusted.partner_id = p.partner_id`,
  );
  return new Map(
    rows.map((r) => {
      const clicks = r.earned ?? 0;
      const earned = clicks + r.commissions! + r.adjusted!;
      const valid90 = r.valid90 ?? 0;
      const earned90 = r.earned90 ?? 0;
      const notCounted = Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, r[reason] ?? 0])) as Record<RefusalReason, number>;
      const balance: Balance = {
        earnedCents: earned,
        clickCents: clicks,
        commissionCents: r.commissions!,
        adjustmentCents: r.adjusted!,
        heldCents: (r.held_clicks ?? 0) + r.held_commissions!,
        paidCents: r.paid!,
        pendingCents: r.pending!,
        availableCents: earned - r.paid! - r.pending!,
        validClicks90d: valid90,
        earned90dCents: earned90,
        epcCents90d: valid90 > 0 ? Math.round(earned90 / valid90) : options.fallbackEpcCents,
        notCounted,
      };
      return [r.partner_id, balance];
    }),
  );
}

/** Valid clicks per UTC day over the last `days` days, oldest first, with zero-click days filled. */
export async function dailyValidClicks(db: Db, partnerId: string, days: number, now = new Date()): Promise<Array<{ day: string; clicks: number }>> {
  const since = daysAgo(now, days - 1);
  const rows = await queryRows<{ day: string; clicks: number }>(
    db,
    sql`select to_char(day, 'YYYY-MM-DD') as day, valid_clicks::int8 as clicks from partner_daily_stats
        where partner_id = ${partnerId} and day >= ${since} order by day`,
  );
  const byDay = new Map(rows.map((r) => [r.day, r.clicks]));
  return Array.from({ length: days }, (_, i) => {
    const day = daysAgo(now, days - 1 - i);
    return { day, clicks: byDay.get(day) ?? 0 };
  });
}

/** The EPC shown when there is no valid click yet: the best rate of an active campaign, else the default. */
export async function fallbackEpcCents(db: Db, defaultRateCents: number): Promise<number> {
  const [row] = await queryRows<{ rate: number | null }>(db, sql`select max(rate_cents) as rate from campaigns where status = 'active'`);
  return row?.rate ?? defaultRateCents;
}
