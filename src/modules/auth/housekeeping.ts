import type { Db } from '../../db/client.js';
import { deleteOldRateLimitWindows } from '../../http/rate-limit.js';
import { deleteOldBatchReceipts, purgeExpiredDedupeKeys } from '../clicks/click-recorder.js';
import { deleteOldVisitorKeys } from '../clicks/visitor-keys.js';
import { deleteStaleLoginTokens } from './magic-links.js';
import { deleteExpiredSessions } from './sessions.js';

/**
 * Removes rows that can no longer matter: expired sessions, dead tokens, old rate-limit windows,
 * old de-duplication keys, past days' visitor keys, click batch receipts older than a day.
 */
export async function purgeExpiredAccessData(db: Db, dedupeHours: number, now = new Date()): Promise<void> {
  await deleteExpiredSessions(db, now);
  await purgeExpiredDedupeKeys(db, dedupeHours, now);
  await deleteOldVisitorKeys(db, now);
  await deleteOldBatchReceipts(db, now);
  await deleteStaleLoginTokens(db, now);
  await deleteOldRateLimitWindows(db, new Date(now.getTime() - 24 * 60 * 60 * 1000));
}
