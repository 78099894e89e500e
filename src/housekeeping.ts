/** What the server does every hour (and at start), across the domains. */
import type { Db } from './db/client.js';
import { deleteOldRateLimitWindows } from './http/rate-limit.js';
import { deleteStaleLoginTokens } from './modules/auth/magic-links.js';
import { deleteExpiredSessions } from './modules/auth/sessions.js';
import { deleteOldBatchReceipts, purgeExpiredDedupeKeys } from './modules/clicks/click-recorder.js';
import { deleteOldVisitorKeys } from './modules/clicks/visitor-keys.js';
import { deleteFinishedJobs } from './modules/jobs/job-queue.js';
import { backfillPseudonymKeys } from './modules/partners/pseudonym.js';
import { deleteDeadConnections } from './modules/publishing/accounts.js';
import { deleteDeadPayoutMethodChanges } from './modules/withdrawals/payout-method.js';

/**
 * Deletes rows that can no longer matter: expired sessions, dead sign-in tokens, rate-limit windows
 * older than a day, de-duplication keys past their window, past days' visitor keys, click batch
 * receipts older than a day, used or expired payout-method links, jobs finished 30 days ago,
 * account connections used or abandoned.
 */
export async function deleteExpiredRows(db: Db, dedupeHours: number, now = new Date()): Promise<void> {
  await deleteExpiredSessions(db, now);
  await purgeExpiredDedupeKeys(db, dedupeHours, now);
  await deleteOldVisitorKeys(db, now);
  await deleteOldBatchReceipts(db, now);
  await deleteStaleLoginTokens(db, now);
  await deleteOldRateLimitWindows(db, new Date(now.getTime() - 24 * 60 * 60 * 1000));
  await deleteDeadPayoutMethodChanges(db, now);
  await deleteFinishedJobs(db, now);
  await deleteDeadConnections(db, now);
}

/** Every hour: expired rows deleted, and keys given to pseudonyms an older version of the app set. */
export async function hourlyHousekeeping(db: Db, dedupeHours: number, now = new Date()): Promise<void> {
  await deleteExpiredRows(db, dedupeHours, now);
  await backfillPseudonymKeys(db);
}
