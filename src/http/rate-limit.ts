/**
 * Fixed-window counters kept in the database, so every app process shares them (an in-memory limit
 * would let a second instance double the allowance). Keys are keyed hashes: no raw email or IP is
 * stored.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rateLimitHits } from '../db/schema.js';
import { keyedHash } from '../lib/crypto.js';

export interface RateRule {
  name: string;
  limit: number;
  windowMs: number;
}

export interface RateVerdict {
  allowed: boolean;
  retryAfterSeconds: number;
}

export async function hitRateLimit(db: Db, secret: string, rule: RateRule, subject: string, now = new Date()): Promise<RateVerdict> {
  const windowStart = new Date(Math.floor(now.getTime() / rule.windowMs) * rule.windowMs);
  const bucket = `${rule.name}:${keyedHash(secret, 'rate-limit', subject)}`;
  const [row] = await db
    .insert(rateLimitHits)
    .values({ bucket, windowStart, hits: 1 })
    .onConflictDoUpdate({
      target: [rateLimitHits.bucket, rateLimitHits.windowStart],
      set: { hits: sql`${rateLimitHits.hits} + 1` },
    })
    .returning({ hits: rateLimitHits.hits });
  const retryAfterSeconds = Math.ceil((windowStart.getTime() + rule.windowMs - now.getTime()) / 1000);
  return { allowed: (row?.hits ?? 0) <= rule.limit, retryAfterSeconds };
}

export async function deleteOldRateLimitWindows(db: Db, olderThan: Date): Promise<void> {
  await db.delete(rateLimitHits).where(sql`${rateLimitHits.windowStart} < ${olderThan}`);
}
