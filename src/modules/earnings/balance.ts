/**
 * A partner's money, in integer cents, over ALL time (seed defect 4 counted earnings over 90 days
 * but payouts over all time, so earnings vanished). Read from the daily summary, whose size grows
 * with days, not with clicks:
 *   earned = Σ valid click amounts; paid = Σ payouts; pending = Σ requests requested|approved;
 *   available = earned − paid − pending.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { REFUSAL_REASONS, type RefusalReason } from '../../db/schema.js';
import { utcDay } from '../clicks/click-rules.js';

export const RECENT_DAYS = 90;

export interface Balance {
  earnedCents: number;
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

export async function partnerBalance(db: Db, partnerId: string, options: { fallbackEpcCents: number; now?: Date }): Promise<Balance> {
  const since = daysAgo(options.now ?? new Date(), RECENT_DAYS - 1);
  const [row] = await queryRows<Record<string, number>>(
    db,
    sql`select
          coalesce(sum(earned_cents), 0)::int8 as earned,
          coalesce(sum(valid_clicks) filter (where day >= ${since}), 0)::int8 as valid90,
          coalesce(sum(earned_cents) filter (where day >= ${since}), 0)::int8 as earned90,
          ${sql.join(REFUSAL_REASONS.map((reason) => sql`coalesce(sum(${sql.identifier(reason)}) filter (where day >= ${since}), 0)::int8 as ${sql.identifier(reason)}`), sql`, `)},
          (select coalesce(sum(amount_cents), 0)::int8 from payouts where partner_id = ${partnerId}) as paid,
          (select coalesce(sum(amount_cents), 0)::int8 from withdraw_requests
             where partner_id = ${partnerId} and status in ('requested', 'approved')) as pending
        from partner_daily_stats where partner_id = ${partnerId}`,
  );
  const r = row!;
  const notCounted = Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, r[reason] ?? 0])) as Record<RefusalReason, number>;
  return {
    earnedCents: r.earned!,
    paidCents: r.paid!,
    pendingCents: r.pending!,
    availableCents: r.earned! - r.paid! - r.pending!,
    validClicks90d: r.valid90!,
    earned90dCents: r.earned90!,
    epcCents90d: r.valid90! > 0 ? Math.round(r.earned90! / r.valid90!) : options.fallbackEpcCents,
    notCounted,
  };
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
