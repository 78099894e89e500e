/**
 * What the earnings page needs to know of the autopilot's publications: their links and when each
 * went out. Publishing owns the publications; earnings sums their links' clicks in the ledger
 * (earnings/autopilot-earnings.ts).
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { publications } from '../../db/schema.js';

export interface AutopilotLink {
  linkCode: string;
  /** When it went out; null while it is not (scheduled, held, failed, cancelled…). */
  publishedAt: Date | null;
}

/** Every publication of the partner the autopilot made, whatever its state (a link brings clicks as long as the post is up). */
export async function autopilotLinks(db: Db, partnerId: string): Promise<AutopilotLink[]> {
  const rows = await db
    .select({ linkCode: publications.linkCode, state: publications.state, publishedAt: publications.publishedAt })
    .from(publications)
    .where(and(eq(publications.partnerId, partnerId), eq(publications.autopilot, true)));
  return rows.map((row) => ({ linkCode: row.linkCode, publishedAt: row.state === 'published' ? row.publishedAt : null }));
}
