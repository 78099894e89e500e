import type { Db } from '../../db/client.js';
import { deleteOldRateLimitWindows } from '../../http/rate-limit.js';
import { deleteStaleLoginTokens } from './magic-links.js';
import { deleteExpiredSessions } from './sessions.js';

/** Removes rows that can no longer matter: expired sessions, dead tokens, old rate-limit windows. */
export async function purgeExpiredAccessData(db: Db, now = new Date()): Promise<void> {
  await deleteExpiredSessions(db, now);
  await deleteStaleLoginTokens(db, now);
  await deleteOldRateLimitWindows(db, new Date(now.getTime() - 24 * 60 * 60 * 1000));
}
