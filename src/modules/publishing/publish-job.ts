/**
 * The worker's job for one approved publication: publish it exactly once, whatever fails.
 *
 * 1. Under the publication's row lock, from `approved` (or `publishing`, left by an attempt that
 *    stopped), the state becomes `publishing` and is committed before the network is called.
 * 2. If it was already `publishing`, an earlier attempt may have reached the network: the
 *    publication is looked up by its idempotency key (or its own link) first. Found: published.
 *    The network cannot tell: `unconfirmed`, for the partner to check; never posted blindly.
 * 3. Then the one publish call, under the same key, and its outcome recorded by the lease's holder.
 *
 * A rate limit or a call that never left puts it back to `approved` for later; a refused credential
 * flags the account and tells the partner; a refusal is `failed` with the network's reason. A job
 * out of attempts leaves no publication in between: `failed` if nothing may have gone out,
 * `unconfirmed` if something may have.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { connectedAccounts, publications, type PublicationState } from '../../db/schema.js';
import type { Job, JobOutcome } from '../jobs/job-queue.js';
import { HELD, holdReason, recordAccountOutcome } from './autopilot/holds.js';
import { scheduleAccount } from './autopilot/scheduler.js';
import { retryDelayMs, type JobContext } from '../jobs/worker.js';
import type { LookupOutcome, PublishOutcome, PublishRequest } from './adapter.js';
import { accountCredentials, markNeedsReconnect, saveAccountCredentials } from './accounts.js';
import { publicationImage } from './post-images.js';
import { nowFor, publicationLink, type Publication, type PublishingDeps } from './publications.js';

export interface PublishJobEvents {
  /** An account's credential was refused: tell the partner (after the change committed). */
  accountNeedsReconnect?(accountId: string): void;
  /** An account failed twice in a row and is paused: tell the partner. */
  accountPaused?(accountId: string): void;
}

type Settled = { state: Extract<PublicationState, 'published' | 'failed' | 'unconfirmed' | 'approved'>; detail: string | null; remote?: { remoteId: string; remoteUrl: string | null } };

/**
 * Step 1: the claim of this attempt, committed; null when there is nothing (left) to do now. A
 * scheduled publication is claimed at its time only, by the job queued for that time (a job left
 * from before a reschedule does nothing); one that must wait (a pause, an account to reconnect) is
 * held, state kept, for releaseHeld. A scheduled one whose campaign stopped paying goes back to
 * the review queue (it comes back when the campaign is active again).
 */
async function startAttempt(db: Db, deps: PublishingDeps, job: Job): Promise<{ publication: Publication; network: string; accountState: string; campaignActive: boolean; resumed: boolean } | { notBefore: Date } | { replan: string } | null> {
  const publicationId = typeof job.payload.publicationId === 'string' ? job.payload.publicationId : '';
  return db.transaction(async (tx) => {
    const [publication] = await tx.select().from(publications).where(eq(publications.id, publicationId)).for('update');
    if (!publication || (publication.state !== 'approved' && publication.state !== 'publishing' && publication.state !== 'scheduled')) return null;
    if (publication.state === 'scheduled') {
      if (job.payload.scheduledAt !== publication.scheduledAt?.getTime()) return null;
      // The queue's clock says when a job is due; only a test's own clock is asked again here
      // (asking the app's clock would retry, attempt after attempt, a job the database found due).
      if (deps.clock && publication.scheduledAt!.getTime() > deps.clock().getTime() + 1000) return { notBefore: publication.scheduledAt! };
      if (publication.notifiedAt === null) {
        // Never announced (the email kept failing): not out unannounced; planned again, with its notice.
        await tx.update(publications).set({ state: 'pending_review', scheduledAt: null, autopilot: false, stateDetail: 'not_announced', updatedAt: new Date() }).where(eq(publications.id, publicationId));
        return { replan: publication.accountId };
      }
    }
    const [account] = await tx.select({ network: connectedAccounts.network, state: connectedAccounts.state }).from(connectedAccounts).where(eq(connectedAccounts.id, publication.accountId));
    const [campaign] = await queryRows<{ status: string; template_status: string }>(
      tx,
      sql`select c.status, t.status as template_status from campaigns c, post_templates t where c.id = ${publication.campaignId} and t.id = ${publication.templateId}`,
    );
    const resumed = publication.state === 'publishing';
    if (!resumed && campaign?.template_status !== 'active') {
      // The operator withdrew the post meanwhile.
      await tx.update(publications).set({ state: 'withdrawn', stateDetail: 'template_withdrawn', updatedAt: new Date() }).where(eq(publications.id, publicationId));
      return null;
    }
    if (!resumed) {
      const hold = await holdReason(tx, publication);
      if (hold) {
        await tx.update(publications).set({ stateDetail: `${HELD}${hold}`, updatedAt: new Date() }).where(eq(publications.id, publicationId));
        return null;
      }
      if (publication.state === 'scheduled' && campaign?.status !== 'active') {
        await tx.update(publications).set({ state: 'pending_review', scheduledAt: null, autopilot: false, notifiedAt: null, stateDetail: 'campaign_inactive', updatedAt: new Date() }).where(eq(publications.id, publicationId));
        return null;
      }
    }
    // The autopilot's publication is approved by its schedule, when claimed.
    const approvedAt = publication.state === 'scheduled' ? { approvedAt: nowFor(deps) } : {};
    await tx.update(publications).set({ state: 'publishing', ...approvedAt, updatedAt: new Date() }).where(eq(publications.id, publicationId));
    return { publication, network: account?.network ?? '', accountState: account?.state ?? 'disconnected', campaignActive: campaign?.status === 'active', resumed };
  });
}

/** Records the outcome, only from `publishing` (nothing else may have moved it meanwhile). */
async function settle(db: Db, publicationId: string, outcome: Settled, countAttempt: boolean, now = new Date()): Promise<void> {
  await db
    .update(publications)
    .set({
      state: outcome.state,
      stateDetail: outcome.detail?.slice(0, 500) ?? null,
      ...(outcome.remote ? { remoteId: outcome.remote.remoteId, remoteUrl: outcome.remote.remoteUrl, publishedAt: now } : {}),
      ...(countAttempt ? { attempts: sqlIncrement } : {}),
      updatedAt: now,
    })
    .where(and(eq(publications.id, publicationId), eq(publications.state, 'publishing')));
}
const sqlIncrement = sql`${publications.attempts} + 1`;

const published = (found: { remoteId: string; remoteUrl: string | null }): Settled => ({ state: 'published', detail: null, remote: { remoteId: found.remoteId, remoteUrl: found.remoteUrl } });

export function publishJobHandler(db: Db, deps: PublishingDeps, events: PublishJobEvents = {}) {
  return async function runPublishJob(job: Job, context: JobContext): Promise<JobOutcome> {
    const publicationId = typeof job.payload.publicationId === 'string' ? job.payload.publicationId : '';
    const started = await startAttempt(db, deps, job);
    if (!started) return { kind: 'done' };
    if ('notBefore' in started) return { kind: 'retry', at: started.notBefore, error: 'not_due_yet' };
    if ('replan' in started) {
      await scheduleAccount(db, deps, started.replan);
      return { kind: 'done' };
    }
    const { publication, resumed } = started;
    const lastAttempt = job.attempts >= job.maxAttempts;
    const adapter = deps.adapters[started.network];
    const credentials = started.accountState === 'connected' ? await accountCredentials<unknown>(db, deps.config, publication.accountId) : null;
    if (!adapter || !credentials) {
      // Removed or waiting to be reconnected since the approval: nothing was sent by this attempt.
      // If an earlier one may have sent it, the partner is asked to check.
      await settle(db, publicationId, resumed ? { state: 'unconfirmed', detail: 'account_unavailable' } : { state: 'failed', detail: started.accountState === 'needs_reconnect' ? 'credentials_refused' : 'account_removed' }, false);
      return { kind: 'done' };
    }
    if (!started.campaignActive && !resumed) {
      // Paused or ended since the approval: its clicks would not pay. The partner may publish it again later.
      await settle(db, publicationId, { state: 'failed', detail: 'campaign_inactive' }, false);
      return { kind: 'done' };
    }
    const request: PublishRequest = { text: publication.text, idempotencyKey: publication.idempotencyKey, publicationId, link: publicationLink(publication, deps.config.baseUrl), locale: publication.locale, image: (await publicationImage(db, publication, started.network)) ?? undefined };
    const adapterContext = { signal: context.signal, saveCredentials: (next: unknown) => saveAccountCredentials(db, deps.config, publication.accountId, next) };

    // Step 2: an earlier attempt may have reached the network.
    if (resumed) {
      const found: LookupOutcome = await adapter.lookup(credentials, request, adapterContext);
      if (found.kind === 'published') {
        await settle(db, publicationId, published(found), false, nowFor(deps));
        await recordAccountOutcome(db, publication.accountId, true);
        return { kind: 'done' };
      }
      if (found.kind === 'cannot_tell') {
        await settle(db, publicationId, { state: 'unconfirmed', detail: found.detail }, false);
        return { kind: 'done' };
      }
      // not_found: the earlier attempt never got there; publish now.
    }

    // Step 3: the one call.
    const outcome: PublishOutcome = await adapter.publish(credentials, request, adapterContext);
    const countFailure = async () => {
      if (await recordAccountOutcome(db, publication.accountId, false)) events.accountPaused?.(publication.accountId);
    };
    switch (outcome.kind) {
      case 'published':
        await settle(db, publicationId, published(outcome), true, nowFor(deps));
        await recordAccountOutcome(db, publication.accountId, true);
        return { kind: 'done' };
      case 'rejected':
        await settle(db, publicationId, { state: 'failed', detail: outcome.detail }, true);
        await countFailure();
        return { kind: 'done' };
      case 'credentials_refused':
        await settle(db, publicationId, { state: 'failed', detail: 'credentials_refused' }, true);
        await markNeedsReconnect(db, publication.accountId, outcome.detail);
        events.accountNeedsReconnect?.(publication.accountId);
        return { kind: 'done' };
      case 'rate_limited':
      case 'not_sent': {
        // Nothing went out: back to approved, and later (the last attempt gives up for good).
        const detail = outcome.kind === 'rate_limited' ? 'rate_limited' : outcome.detail;
        if (lastAttempt) {
          await settle(db, publicationId, { state: 'failed', detail }, true);
          await countFailure();
          return { kind: 'failed', error: detail };
        }
        await settle(db, publicationId, { state: 'approved', detail }, true);
        const at = outcome.kind === 'rate_limited' ? outcome.retryAt : new Date(Date.now() + retryDelayMs(job.attempts));
        return { kind: 'retry', at, error: detail };
      }
      case 'unknown':
        // It may be out: stay `publishing`, so the next attempt looks it up before anything else.
        if (lastAttempt) {
          await settle(db, publicationId, { state: 'unconfirmed', detail: outcome.detail }, true);
          return { kind: 'failed', error: outcome.detail };
        }
        await db.update(publications).set({ attempts: sqlIncrement, stateDetail: outcome.detail.slice(0, 500), updatedAt: new Date() }).where(and(eq(publications.id, publicationId), eq(publications.state, 'publishing')));
        return { kind: 'retry', at: new Date(Date.now() + retryDelayMs(job.attempts)), error: outcome.detail };
    }
  };
}
