/**
 * « Ce que l'autopilote t'a rapporté »: over the last 7 and 30 UTC days, the autopilot's
 * publications that went out, and the valid clicks and euros their own links brought in those
 * days, from the click ledger (so exact to the cent, as the rest of the earnings page).
 *
 * The periods are link-stats.ts's (today and the 6 or 29 days before it, UTC days): a click counts
 * in a period by the day it was made, whenever its publication went out.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { pgArray } from '../../db/pg-array.js';
import { autopilotLinks } from '../publishing/autopilot-links.js';
import { utcDay } from '../clicks/click-rules.js';
import { daysAgo } from './balance.js';
import { LINK_PERIODS } from './link-stats.js';

/** The periods shown, each the number of UTC days it spans ending today. */
export const AUTOPILOT_PERIODS = { week: LINK_PERIODS.week, month: LINK_PERIODS.month } as const;
export type AutopilotPeriod = keyof typeof AUTOPILOT_PERIODS;
const PERIODS = Object.keys(AUTOPILOT_PERIODS) as AutopilotPeriod[];

export interface AutopilotFigures {
  /** The autopilot's publications that went out in the period. */
  publications: number;
  validClicks: number;
  earnedCents: number;
}

export async function autopilotEarnings(db: Db, partnerId: string, options: { now?: Date } = {}): Promise<Record<AutopilotPeriod, AutopilotFigures>> {
  const now = options.now ?? new Date();
  const links = await autopilotLinks(db, partnerId);
  const since = (period: AutopilotPeriod) => daysAgo(now, AUTOPILOT_PERIODS[period] - 1);
  const today = utcDay(now);
  const result = Object.fromEntries(
    PERIODS.map((period) => [period, { publications: links.filter((link) => link.publishedAt && utcDay(link.publishedAt) >= since(period) && utcDay(link.publishedAt) <= today).length, validClicks: 0, earnedCents: 0 }]),
  ) as Record<AutopilotPeriod, AutopilotFigures>;
  if (links.length === 0) return result;
  const longest = PERIODS.reduce((a, b) => (AUTOPILOT_PERIODS[a] >= AUTOPILOT_PERIODS[b] ? a : b));
  const perPeriod = sql.join(
    PERIODS.map((period) => {
      const from = sql`${since(period)}::date`;
      return sql`count(*) filter (where day >= ${from} and verdict = 'valid')::int8 as ${sql.identifier(`${period}_valid`)},
                 coalesce(sum(amount_cents) filter (where day >= ${from}), 0)::int8 as ${sql.identifier(`${period}_earned`)}`;
    }),
    sql`, `,
  );
  // By partner and time first (index metric_events_partner_time), then the autopilot's links.
  const [row] = await queryRows<Record<string, number>>(
    db,
    sql`select ${perPeriod}
          from (select verdict, amount_cents, (occurred_at at time zone 'UTC')::date as day
                  from metric_events
                 where partner_id = ${partnerId} and kind = 'click'
                   and occurred_at >= ${`${since(longest)}T00:00:00Z`}::timestamptz
                   and occurred_at < ${`${daysAgo(now, -1)}T00:00:00Z`}::timestamptz
                   and link_code = any(${pgArray(links.map((link) => link.linkCode))}::text[])) as clicks`,
  );
  for (const period of PERIODS) {
    result[period].validClicks = Number(row?.[`${period}_valid`] ?? 0);
    result[period].earnedCents = Number(row?.[`${period}_earned`] ?? 0);
  }
  return result;
}
