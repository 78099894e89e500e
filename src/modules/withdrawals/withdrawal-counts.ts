/** How many withdrawal requests are in each state, and their sum: the operators' tabs and overview. */
import { count, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { WITHDRAWAL_STATUSES, withdrawRequests, type WithdrawalStatus } from '../../db/schema.js';

export type StatusCounts = Record<WithdrawalStatus, { count: number; totalCents: number }>;

export async function withdrawalCountsByStatus(db: Db): Promise<StatusCounts> {
  const rows = await db
    .select({ status: withdrawRequests.status, count: count(), totalCents: sql<number>`coalesce(sum(${withdrawRequests.amountCents}), 0)::int8` })
    .from(withdrawRequests)
    .groupBy(withdrawRequests.status);
  const byStatus = new Map(rows.map((row) => [row.status, row]));
  return Object.fromEntries(
    WITHDRAWAL_STATUSES.map((status) => [status, { count: Number(byStatus.get(status)?.count ?? 0), totalCents: Number(byStatus.get(status)?.totalCents ?? 0) }]),
  ) as StatusCounts;
}
