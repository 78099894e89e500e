/**
 * `partner_daily_stats` is a summary kept in the click's transaction; `metric_events` is the truth.
 * These functions recompute the summary from the events, to check it or to rebuild it. Its reason
 * columns are named after the verdicts (REFUSAL_REASONS): a new reason is a column, and every query
 * here follows the list.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { REFUSAL_REASONS } from '../../db/schema.js';

/** `prefix.bot, prefix.duplicate, …`: the summary's reason columns, in the list's order. */
export function reasonColumns(prefix?: string): SQL {
  return sql.join(REFUSAL_REASONS.map((reason) => (prefix ? sql`${sql.identifier(prefix)}.${sql.identifier(reason)}` : sql.identifier(reason))), sql`, `);
}

/** `count(*) filter (where verdict = 'bot') as bot, …` over click events. */
export function reasonCounts(verdictColumn: SQL = sql`verdict`): SQL {
  return sql.join(
    REFUSAL_REASONS.map((reason) => sql`count(*) filter (where ${verdictColumn} = ${sql.raw(`'${reason}'`)})::int8 as ${sql.identifier(reason)}`),
    sql`, `,
  );
}

const FROM_EVENTS = sql`
  select partner_id, (occurred_at at time zone 'UTC')::date as day,
         count(*) filter (where verdict = 'valid')::int as valid_clicks,
         coalesce(sum(amount_cents), 0)::int8 as earned_cents,
         ${reasonCounts()}
  from metric_events where kind = 'click'
  group by 1, 2`;

export interface StatsMismatch {
  partner_id: string;
  day: string;
}

/** Rows where the summary and the events disagree (empty when all is well). */
export async function verifyDailyStats(db: Db): Promise<StatsMismatch[]> {
  const noneRefused = sql.join(REFUSAL_REASONS.map((reason) => sql`s.${sql.identifier(reason)} = 0`), sql` and `);
  return queryRows<StatsMismatch>(
    db,
    sql`with truth as (${FROM_EVENTS})
        select coalesce(t.partner_id, s.partner_id) as partner_id, to_char(coalesce(t.day, s.day), 'YYYY-MM-DD') as day
        from truth t full outer join partner_daily_stats s on s.partner_id = t.partner_id and s.day = t.day
        where (t.valid_clicks, t.earned_cents, ${reasonColumns('t')})
              is distinct from
              (s.valid_clicks, s.earned_cents, ${reasonColumns('s')})
          and not (t.partner_id is null and s.valid_clicks = 0 and s.earned_cents = 0 and ${noneRefused})
        order by 2, 1`,
  );
}

/** Replaces the summary with one recomputed from the events (after a bulk import, or a repair). */
export async function rebuildDailyStats(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`lock table partner_daily_stats in exclusive mode`);
    await tx.execute(sql`delete from partner_daily_stats`);
    await tx.execute(sql`insert into partner_daily_stats (partner_id, day, valid_clicks, earned_cents, ${reasonColumns()}) ${FROM_EVENTS}`);
  });
}
