/**
 * Top partners by valid clicks over the last `days` UTC days (today included). Labels are the
 * partner's pseudonym or masked email; no id leaves this module. Ties: earlier sign-up first.
 *
 * The full ranking comes from the per-day summary, whose size follows partners × days, not
 * clicks; it is still a scan of up to 90 days of every partner, so each instance keeps the
 * ranking of each period and serves the top 20 and anyone's own rank from it. After
 * `RANKING_TTL_MS` the next reader starts a refresh and is still served the previous ranking;
 * a reader waits only on a cold start, a new day or a ranking unread for `RANKING_MAX_STALE_MS`.
 * A leaderboard at most 30 seconds old breaks no rule; money is never read from here.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { maskEmail } from '../../lib/email.js';
import { daysAgo } from './balance.js';
import { DomainError } from '../../lib/errors.js';

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

/**
 * How old a ranking may be served while its refresh runs; older, a reader waits for a fresh one.
 * Another instance's change (a suspension, a pseudonym) shows within this time.
 */
export const RANKING_MAX_STALE_MS = 2 * RANKING_TTL_MS;

interface CachedRanking {
  at: number;
  since: string;
  ranking: Promise<Ranked[]>;
  refreshing: boolean;
}

const cache = new WeakMap<object, Map<string, CachedRanking>>();

async function ranking(db: Db, days: number, now: Date, fresh: boolean): Promise<Ranked[]> {
  let perDb = cache.get(db);
  if (!perDb) {
    perDb = new Map();
    cache.set(db, perDb);
  }
  // One entry per period, replaced when too old or when the day changed (so the map never grows).
  const key = String(days);
  const since = daysAgo(now, days - 1);
  const hit = perDb.get(key);
  const age = hit ? now.getTime() - hit.at : Infinity;
  if (!fresh && hit && hit.since === since && age >= 0 && age < RANKING_MAX_STALE_MS) {
    // Past its 15 s, the ranking is still served while one query refreshes it in the background:
    // no reader waits for the scan, whose cost follows partners × days (BENCHMARKS.md).
    if (age >= RANKING_TTL_MS && !hit.refreshing) {
      hit.refreshing = true;
      const pending = computeRanking(db, days, now);
      pending.then(
        () => {
          if (perDb.get(key) === hit) perDb.set(key, { at: now.getTime(), since, ranking: pending, refreshing: false });
        },
        () => {
          hit.refreshing = false; // the next reader tries again
        },
      );
    }
    return hit.ranking;
  }
  // Concurrent readers share one query, and no refresh starts while it runs; a failed query is
  // not kept.
  const pending = computeRanking(db, days, now);
  const entry: CachedRanking = { at: now.getTime(), since, ranking: pending, refreshing: true };
  perDb.set(key, entry);
  pending.then(
    () => {
      entry.refreshing = false;
    },
    () => {
      if (perDb.get(key) === entry) perDb.delete(key);
    },
  );
  return pending;
}

/** The period asked for: `days` from 1 to 90 as a plain whole number, 7 when absent; anything else (0, -1, 91, abc, 1e9) is a 400. */
export function parseLeaderboardDays(value: string | undefined): number {
  if (value === undefined) return 7;
  const days = /^\d{1,2}$/.test(value) ? Number(value) : 0;
  if (days < 1 || days > 90) throw new DomainError('invalid_days', 400, 'leaderboard.error.days', {}, 'days');
  return days;
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
