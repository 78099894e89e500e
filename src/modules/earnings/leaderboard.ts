/**
 * Top partners by valid clicks over the last `days` UTC days (today included). Labels are the
 * partner's pseudonym or masked email; no id leaves this module. Ties: earlier sign-up first.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { maskEmail } from '../../lib/email.js';
import { daysAgo } from './balance.js';

export const LEADERBOARD_SIZE = 20;

export interface LeaderboardRow {
  rank: number;
  label: string;
  clicks: number;
  isMe: boolean;
}

export interface Leaderboard {
  top: LeaderboardRow[];
  /** The signed-in partner's own row, even outside the top; null when they have no click. */
  me: LeaderboardRow | null;
}

export async function leaderboard(db: Db, days: number, options: { partnerId?: string | null; now?: Date } = {}): Promise<Leaderboard> {
  const since = daysAgo(options.now ?? new Date(), days - 1);
  const me = options.partnerId ?? null;
  const rows = await queryRows<{ rank: number; clicks: number; pseudonym: string | null; email: string; is_me: boolean }>(
    db,
    sql`with totals as (
          select partner_id, sum(valid_clicks)::int8 as clicks
          from partner_daily_stats where day >= ${since}
          group by partner_id having sum(valid_clicks) > 0
        ), ranked as (
          select row_number() over (order by t.clicks desc, p.created_at asc, p.id asc)::int8 as rank,
                 t.clicks, p.pseudonym, p.email, p.id
          from totals t join partners p on p.id = t.partner_id
          where p.status = 'active'
        )
        select rank, clicks, pseudonym, email, coalesce(id = ${me}, false) as is_me
        from ranked where rank <= ${LEADERBOARD_SIZE} ${me ? sql`or id = ${me}` : sql``}
        order by rank`,
  );
  const all = rows.map((row) => ({
    rank: row.rank,
    label: row.pseudonym ?? maskEmail(row.email),
    clicks: row.clicks,
    isMe: row.is_me,
  }));
  return { top: all.filter((row) => row.rank <= LEADERBOARD_SIZE), me: all.find((row) => row.isMe) ?? null };
}
