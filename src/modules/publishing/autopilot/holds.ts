/**
 * Holds: what keeps an approved or scheduled publication from going out for now — its campaign's
 * or its partner's publishing paused by the operator, its account paused after two failures in a
 * row, or its account's credential refused (to reconnect). The worker holds it (state kept,
 * `state_detail` 'held:<why>', no job); when the last hold ends, releaseHeld queues it again — at
 * its time if that is still ahead, else in the autopilot's next slot, announced again.
 *
 * Two failures in a row pause the account (recordAccountOutcome); the partner resumes it.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.js';
import { queryRows } from '../../../db/client.js';
import { connectedAccounts, publications } from '../../../db/schema.js';
import { ConflictError, NotFoundError } from '../../../lib/errors.js';
import { isUuid } from '../../../lib/ids.js';
import { writeAudit } from '../../audit/audit-log.js';
import { cancelQueuedJobs, enqueueJob } from '../../jobs/job-queue.js';
import { nowFor, PUBLISH_ATTEMPTS, PUBLISH_JOB, type PublishingDeps } from '../publications.js';
import { queueScheduled, scheduleAccount } from './scheduler.js';

export const HELD = 'held:';
export type HoldReason = 'campaign_paused' | 'partner_paused' | 'partner_suspended' | 'account_paused' | 'account_needs_reconnect';

/** Failures in a row that pause an account. */
export const FAILURES_BEFORE_PAUSE = 2;

/** Why this publication must wait now, or null (read in the worker's claim transaction). */
export async function holdReason(tx: Db, publication: { campaignId: string; partnerId: string; accountId: string }): Promise<HoldReason | null> {
  const [row] = await queryRows<{ campaign_paused: boolean; partner_paused: boolean; partner_status: string; account_state: string }>(
    tx,
    sql`select c.publishing_paused_at is not null as campaign_paused, p.publishing_paused_at is not null as partner_paused, p.status as partner_status, a.state as account_state
          from campaigns c, partners p, connected_accounts a
         where c.id = ${publication.campaignId} and p.id = ${publication.partnerId} and a.id = ${publication.accountId}`,
  );
  if (!row) return null;
  if (row.campaign_paused) return 'campaign_paused';
  if (row.partner_paused) return 'partner_paused';
  // A suspended partner's clicks do not pay: nothing of theirs goes out until they are reinstated.
  if (row.partner_status !== 'active') return 'partner_suspended';
  if (row.account_state === 'paused') return 'account_paused';
  if (row.account_state === 'needs_reconnect') return 'account_needs_reconnect';
  return null;
}

export interface HoldScope {
  campaignId?: string;
  partnerId?: string;
  accountId?: string;
}

/**
 * Queues again the held publications in scope whose holds have all ended. One still ahead of its
 * scheduled time keeps it; one whose time passed returns to the queue and gets the next slot
 * (with the veto window and a new notice). Returns how many were released.
 */
export async function releaseHeld(db: Db, deps: Pick<PublishingDeps, 'config' | 'clock' | 'adapters' | 'wakeWorker'>, scope: HoldScope): Promise<number> {
  const now = nowFor(deps);
  const held = await queryRows<{ id: string; account_id: string }>(
    db,
    sql`select p.id, p.account_id from publications p
          join campaigns c on c.id = p.campaign_id join partners pa on pa.id = p.partner_id join connected_accounts a on a.id = p.account_id
         where p.state in ('approved', 'scheduled') and p.state_detail like ${`${HELD}%`}
           and c.publishing_paused_at is null and pa.publishing_paused_at is null and pa.status = 'active' and a.state = 'connected'
           ${scope.campaignId ? sql`and p.campaign_id = ${scope.campaignId}` : sql``}
           ${scope.partnerId ? sql`and p.partner_id = ${scope.partnerId}` : sql``}
           ${scope.accountId ? sql`and p.account_id = ${scope.accountId}` : sql``}`,
  );
  const toPlan = new Set<string>();
  let released = 0;
  for (const { id, account_id: accountId } of held) {
    const done = await db.transaction(async (tx) => {
      const [publication] = await tx.select().from(publications).where(eq(publications.id, id)).for('update');
      if (!publication || (publication.state !== 'approved' && publication.state !== 'scheduled') || !publication.stateDetail?.startsWith(HELD)) return false;
      if ((await holdReason(tx, publication)) !== null) return false;
      // One job at a time: any left queued (a move made while held) gives way to this one.
      await cancelQueuedJobs(tx, [`publication:${id}:`]);
      if (publication.state === 'approved') {
        await tx.update(publications).set({ stateDetail: null, updatedAt: now }).where(eq(publications.id, id));
        await enqueueJob(tx, PUBLISH_JOB, { publicationId: id }, { dedupeKey: `publication:${id}:${publication.approvedAt?.getTime() ?? 0}:${randomUUID()}`, maxAttempts: PUBLISH_ATTEMPTS });
      } else if (publication.scheduledAt && publication.scheduledAt.getTime() > now.getTime()) {
        await tx.update(publications).set({ stateDetail: null, updatedAt: now }).where(eq(publications.id, id));
        await queueScheduled(tx, id, publication.scheduledAt);
      } else {
        // Its time passed while held: a new slot, announced again.
        await tx.update(publications).set({ state: 'pending_review', scheduledAt: null, autopilot: false, notifiedAt: null, stateDetail: 'held_past_time', updatedAt: now }).where(eq(publications.id, id));
        toPlan.add(accountId);
      }
      return true;
    });
    if (done) released++;
  }
  for (const accountId of toPlan) await scheduleAccount(db, deps as PublishingDeps, accountId);
  if (released > 0) deps.wakeWorker?.();
  return released;
}

/**
 * Counts a publication's outcome on its account: a success sets the count of failures in a row
 * back to zero; the second failure in a row pauses the account. True when this one paused it (the
 * partner is told).
 */
export async function recordAccountOutcome(db: Db, accountId: string, succeeded: boolean): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [account] = await tx.select({ state: connectedAccounts.state, failures: connectedAccounts.consecutiveFailures }).from(connectedAccounts).where(eq(connectedAccounts.id, accountId)).for('update');
    if (!account) return false;
    if (succeeded) {
      if (account.failures > 0) await tx.update(connectedAccounts).set({ consecutiveFailures: 0 }).where(eq(connectedAccounts.id, accountId));
      return false;
    }
    const failures = account.failures + 1;
    const pause = failures >= FAILURES_BEFORE_PAUSE && account.state === 'connected';
    await tx
      .update(connectedAccounts)
      .set({ consecutiveFailures: failures, ...(pause ? { state: 'paused' as const, stateDetail: 'failed_twice', updatedAt: new Date() } : {}) })
      .where(eq(connectedAccounts.id, accountId));
    return pause;
  });
}

/** The partner resumes an account paused after failures: its held publications go again, its autopilot plans. */
export async function resumeAccount(db: Db, deps: PublishingDeps, partnerId: string, accountId: string): Promise<number> {
  if (!isUuid(accountId)) throw new NotFoundError('account');
  await db.transaction(async (tx) => {
    const [account] = await tx.select({ state: connectedAccounts.state, label: connectedAccounts.label, network: connectedAccounts.network }).from(connectedAccounts).where(and(eq(connectedAccounts.id, accountId), eq(connectedAccounts.partnerId, partnerId))).for('update');
    if (!account || account.state === 'disconnected') throw new NotFoundError('account');
    if (account.state !== 'paused') throw new ConflictError('account_not_paused', 'autopilot.error.notPaused');
    await tx.update(connectedAccounts).set({ state: 'connected', stateDetail: null, consecutiveFailures: 0, updatedAt: new Date() }).where(eq(connectedAccounts.id, accountId));
    await writeAudit(tx, { actorId: partnerId, actorLabel: 'partner', action: 'account_resumed', subject: `partner:${partnerId}`, partnerId, params: { label: account.label, network: account.network } });
  });
  const released = await releaseHeld(db, deps, { accountId });
  await scheduleAccount(db, deps, accountId);
  return released;
}
