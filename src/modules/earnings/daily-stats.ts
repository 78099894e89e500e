/**
 * `partner_daily_stats` is a summary kept in the click's transaction; `metric_events` is the truth.
 * These functions recompute the summary from the events, to check it or to rebuild it.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';

const FROM_EVENTS = sql`
  select partner_id, (occurred_at at time zone 'UTC')::date as day,
         count(*) filter (where verdict = 'valid')::int as valid_clicks,
         coalesce(sum(amount_cents), 0)::int8 as earned_cents,
         count(*) filter (where verdict = 'bot')::int as bot,
         count(*) filter (where verdict = 'duplicate')::int as duplicate,
         count(*) filter (where verdict = 'self')::int as self,
         count(*) filter (where verdict = 'over_cap')::int as over_cap,
         count(*) filter (where verdict = 'inactive')::int as inactive,
         count(*) filter (where verdict = 'suspended')::int as suspended
  from metric_events where kind = 'click'
  group by 1, 2`;

export interface StatsMismatch {
  partner_id: string;
  day: string;
}

/** Rows where the summary and the events disagree (empty when all is well). */
export async function verifyDailyStats(db: Db): Promise<StatsMismatch[]> {
  return queryRows<StatsMismatch>(
    db,
    sql`with truth as (${FROM_EVENTS})
        select coalesce(t.partner_id, s.partner_id) as partner_id, to_char(coalesce(t.day, s.day), 'YYYY-MM-DD') as day
        from truth t full outer join partner_daily_stats s on s.partner_id = t.partner_id and s.day = t.day
        where (t.valid_clicks, t.earned_cents, t.bot, t.duplicate, t.self, t.over_cap, t.inactive, t.suspended)
              is distinct from
              (s.valid_clicks, s.earned_cents, s.bot, s.duplicate, s.self, s.over_cap, s.inactive, s.suspended)
          and not (t.partner_id is null and s.valid_clicks = 0 and s.earned_cents = 0 and s.bot + s.duplicate + s.self + s.over_cap + s.inactive + s.suspended = 0)
        order by 2, 1`,
  );
}

/** Replaces the summary with one recomputed from the events (after a bulk import, or a repair). */
export async function rebuildDailyStats(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`lock table partner_daily_stats in exclusive mode`);
    await tx.execute(sql`delete from partner_daily_stats`);
    await tx.execute(sql`insert into partner_daily_stats (partner_id, day, valid_clicks, earned_cents, bot, duplicate, self, over_cap, inactive, suspended) ${FROM_EVENTS}`);
  });
}
