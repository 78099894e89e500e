/**
 * One random key per UTC day for visitor hashes, shared by every instance through the database
 * (the first writer of the day creates it) and deleted after the day, by housekeeping.
 */
import { randomBytes } from 'node:crypto';
import { eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { visitorDayKeys } from '../../db/schema.js';

/** Per database handle: tests open several databases in one process. */
const caches = new WeakMap<object, Map<string, string>>();

function cacheFor(db: Db): Map<string, string> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  return cache;
}

export async function visitorDayKey(db: Db, day: string): Promise<string> {
  const cache = cacheFor(db);
  const known = cache.get(day);
  if (known) return known;
  await db.insert(visitorDayKeys).values({ day, key: randomBytes(32).toString('base64url') }).onConflictDoNothing();
  const [row] = await db.select({ key: visitorDayKeys.key }).from(visitorDayKeys).where(eq(visitorDayKeys.day, day));
  if (!row) throw new Error(`no visitor key for ${day}`);
  if (cache.size > 4) cache.clear();
  cache.set(day, row.key);
  return row.key;
}

/** Deletes the keys of days before yesterday: their hashes can no longer be linked to an address. */
export async function deleteOldVisitorKeys(db: Db, now = new Date()): Promise<void> {
  const yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
  await db.delete(visitorDayKeys).where(lt(visitorDayKeys.day, sql`${yesterday}::date`));
  const cache = cacheFor(db);
  for (const day of cache.keys()) if (day < yesterday) cache.delete(day);
}
