/**
 * Top partners by valid clicks over the last `days` UTC days (today included). Labels are the
 * partner's pseudonym or masked email; no id leaves this module. Ties: earlier sign-up first.
 *
 * The full ranking comes from the per-day summary, whose size follows partners × days, not
 * clicks; it is still a scan of up to 90 days of every partner, so each instance keeps the
 * ranking of each period for `RANKING_TTL_MS` and serves the top 20 and anyone's own rank from it.
 * A leaderboard up to 15 seconds old breaks no rule; money is never read from here.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { maskEmail } from '../../lib/email.js';
import { daysAgo } from './balance.js';

export const LEADERBOARD_SIZE = 20;
export const RANKING_TTL_MS = 15_000;

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

interface Ranked {
  partnerId: string;
  label: string;
  clicks: number;
}

/** Every active partner with a valid click over the period, best first (the uncached query). */
export async function computeRanking(db: Db, days: number, now = new Date()): Promise<Ranked[]> {
  const since = daysAgo(now, days - 1);
  const rows = await queryRows<{ id: string; clicks: number; pseudonym: string | null; email: string }>(
    db,
    sql`select p.id, t.clicks, p.pseudonym, p.email
        from (select partner_id, sum(valid_clicks)::int8 as clicks
              from partner_daily_stats where day >= ${since}
              group by partner_id having sum(valid_clicks) > 0) t
        join partners p on p.id = t.partner_id
        where p.status = 'active'
        order by t.clicks desc, p.created_at asc, p.id asc`,
  );
  return rows.map((row) => ({ partnerId: row.id, label: row.pseudonym ?? maskEmail(row.email), clicks: row.clicks }));
}

const cache = new WeakMap<object, Map<string, { at: number; since: string; ranking: Promise<Ranked[]> }>>();

async function ranking(db: Db, days: number, now: Date, fresh: boolean): Promise<Ranked[]> {
  let perDb = cache.get(db);
  if (!perDb) {
    perDb = new Map();
    cache.set(db, perDb);
  }
  // One entry per period, replaced when stale or when the day changed (so the map never grows).
  const key = String(days);
  const since = daysAgo(now, days - 1);
  const hit = perDb.get(key);
  if (!fresh && hit && hit.since === since && now.getTime() - hit.at < RANKING_TTL_MS && now.getTime() >= hit.at) return hit.ranking;
  // Concurrent readers share one query; a failed query is not kept.
  const pending = computeRanking(db, days, now);
  const entry = { at: now.getTime(), since, ranking: pending };
  perDb.set(key, entry);
  pending.catch(() => {
    if (perDb.get(key) === entry) perDb.delete(key);
  });
  return pending;
}

export async function leaderboard(db: Db, days: number, options: { partnerId?: string | null; now?: Date; fresh?: boolean } = {}): Promise<Leaderboard> {
  const all = await ranking(db, days, options.now ?? new Date(), options.fresh ?? false);
  const row = (entry: Ranked, index: number): LeaderboardRow => ({ rank: index + 1, label: entry.label, clicks: entry.clicks, isMe: entry.partnerId === options.partnerId });
  const top = all.slice(0, LEADERBOARD_SIZE).map(row);
  const mine = options.partnerId ? all.findIndex((entry) => entry.partnerId === options.partnerId) : -1;
  return { top, me: mine >= 0 ? row(all[mine]!, mine) : null };
}

/** Forgets this instance's rankings (after a pseudonym or a partner's status changed here). */
export function invalidateRankings(db: Db): void {
  cache.delete(db);
}
