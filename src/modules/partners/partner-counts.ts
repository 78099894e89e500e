/** How many partners joined in a window of time (the operators' overview). Operators are not partners here. */
import { and, count, eq, gte, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { partners } from '../../db/schema.js';

export async function partnersJoined(db: Db, window: { from: Date; until: Date }): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(partners)
    .where(and(eq(partners.role, 'partner'), gte(partners.createdAt, window.from), lt(partners.createdAt, window.until)));
  return Number(row?.n ?? 0);
}
