/**
 * The autopilot's scheduler: an account with autopublish on gets each of its publications waiting
 * for review scheduled at a random time of its next allowed window that keeps the daily cap and
 * the spacing (schedule.ts nextSlot), at least the veto window (AUTOPUBLISH_VETO_HOURS) ahead, and
 * the partner is told what goes out and when. Until a worker claims it, the partner can cancel,
 * edit or reschedule it (veto.ts); turning autopublish off returns it to the review queue.
 *
 * Every decision is made in one transaction holding the account's row lock, so two processes (or
 * two requests) scheduling for the same account at once see each other's slots: the cap and the
 * spacing hold whatever runs at the same time.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.js';
import { queryRows } from '../../../db/client.js';
import { autopilotSettings, connectedAccounts, publications } from '../../../db/schema.js';
import { cancelQueuedJobs, enqueueJob } from '../../jobs/job-queue.js';
import { accountLengthRule, nowFor, publicationLink, PUBLISH_ATTEMPTS, PUBLISH_JOB, type PublishingDeps } from '../publications.js';
import { checkPost } from '../post-text.js';
import { nextSlot, type AutopilotSettings, type IsoWeekday } from './schedule.js';

export const NOTICE_JOB = 'posts.notice';
/** Publications scheduled together are announced in one email: it waits this long. */
export const NOTICE_DELAY_MS = 60_000;

type SettingsRow = typeof autopilotSettings.$inferSelect;

export const settingsOf = (row: SettingsRow): AutopilotSettings => ({
  dailyCap: row.dailyCap,
  startHour: row.startHour,
  endHour: row.endHour,
  days: row.days as IsoWeekday[],
  timeZone: row.timeZone,
  spacingMinutes: row.spacingMinutes,
});

/**
 * What already takes a place on the account's days: its publications scheduled, on their way or
 * out in the last two days (a manual one counts too: the cap is the account's).
 */
export async function takenTimes(tx: Db, accountId: string, now: Date, except?: string): Promise<Date[]> {
  const since = new Date(now.getTime() - 2 * 86_400_000).toISOString();
  const rows = await queryRows<{ at: Date | string }>(
    tx,
    sql`select case when state = 'scheduled' then scheduled_at
                    when state = 'published' then published_at
                    -- Approved and not out yet (waiting for a rate limit, or held): it goes out from now on.
                    when state = 'approved' then greatest(coalesce(approved_at, updated_at), ${now.toISOString()}::timestamptz)
                    else coalesce(scheduled_at, approved_at, updated_at) end as at
          from publications
         where account_id = ${accountId} and id <> ${except ?? '00000000-0000-0000-0000-000000000000'}
           and (state in ('scheduled', 'approved')
                or (state = 'published' and published_at >= ${since}::timestamptz)
                -- On its way, or perhaps out (the partner is asked to check): it takes its place.
                or (state in ('publishing', 'unconfirmed') and coalesce(scheduled_at, approved_at, updated_at) >= ${since}::timestamptz))`,
  );
  return rows.map((row) => new Date(row.at));
}

/**
 * Queues the publishing of a scheduled publication at its time. The key names the time and is new
 * each time (a cancelled job keeps its key for 30 days: a replan drawing the same minute again
 * must not find it taken); the payload's time lets a job left from before a move do nothing.
 */
export async function queueScheduled(tx: Db, publicationId: string, at: Date): Promise<void> {
  await enqueueJob(tx, PUBLISH_JOB, { publicationId, scheduledAt: at.getTime() }, { dedupeKey: `publication:${publicationId}:${at.getTime()}:${randomUUID()}`, runAt: at, maxAttempts: PUBLISH_ATTEMPTS });
}

/**
 * An email, a minute later, for what was just scheduled for the partner: the notice job sends all
 * their publications not yet announced, so the jobs of one minute's schedulings make one email (the
 * others find nothing left to say).
 */
export async function queueNotice(tx: Db, partnerId: string, now: Date): Promise<void> {
  await enqueueJob(tx, NOTICE_JOB, { partnerId }, { dedupeKey: `notice:${partnerId}:${randomUUID()}`, runAt: new Date(now.getTime() + NOTICE_DELAY_MS) });
}

/**
 * Unclaimed scheduled publications of the account back to the review queue (autopublish turned
 * off, or re-planned under new settings). Pass the transaction that holds the account's lock.
 */
export async function unscheduleAccount(tx: Db, accountId: string, detail: string): Promise<number> {
  const back = await tx
    .update(publications)
    .set({ state: 'pending_review', scheduledAt: null, autopilot: false, notifiedAt: null, stateDetail: detail, updatedAt: new Date() })
    .where(and(eq(publications.accountId, accountId), eq(publications.state, 'scheduled')))
    .returning({ id: publications.id });
  await cancelQueuedJobs(tx, back.map((row) => `publication:${row.id}:`));
  return back.length;
}

/**
 * Schedules the account's publications waiting for review, if its autopublish is on and it is
 * connected. `replan` first returns its scheduled ones to the queue (new settings). A text that
 * breaks the account's rules (an instance's shorter limit) stays in the review queue with the
 * reason. Returns how many were scheduled.
 */
export async function scheduleAccount(db: Db, deps: PublishingDeps, accountId: string, options: { replan?: boolean; random?: () => number } = {}): Promise<number> {
  const now = nowFor(deps);
  const random = options.random ?? Math.random;
  const scheduled = await db.transaction(async (tx) => {
    // The account's lock: whoever schedules for it next waits, then sees these slots.
    const [account] = await tx.select({ id: connectedAccounts.id, partnerId: connectedAccounts.partnerId, network: connectedAccounts.network, state: connectedAccounts.state }).from(connectedAccounts).where(eq(connectedAccounts.id, accountId)).for('update');
    if (!account || account.state !== 'connected') return 0;
    // A suspended partner's posts are not scheduled (their clicks would not pay).
    const [partner] = await queryRows<{ status: string }>(tx, sql`select status from partners where id = ${account.partnerId}`);
    if (partner?.status !== 'active') return 0;
    const [row] = await tx.select().from(autopilotSettings).where(eq(autopilotSettings.accountId, accountId));
    if (!row?.enabled) return 0;
    if (options.replan) await unscheduleAccount(tx, accountId, 'replanned');
    const waiting = await queryRows<{ id: string }>(
      tx,
      sql`select p.id from publications p
            join campaigns c on c.id = p.campaign_id and c.status = 'active'
            join post_templates t on t.id = p.template_id and t.status = 'active'
           where p.account_id = ${accountId} and p.state = 'pending_review'
           order by p.created_at, p.id`,
    );
    if (waiting.length === 0) return 0;
    const settings = settingsOf(row);
    const rule = await accountLengthRule(tx, deps, account);
    const taken = await takenTimes(tx, accountId, now);
    let count = 0;
    for (const { id } of waiting) {
      const [publication] = await tx.select().from(publications).where(and(eq(publications.id, id), eq(publications.state, 'pending_review'))).for('update');
      if (!publication) continue;
      try {
        checkPost(publication.text, { link: publicationLink(publication, deps.config.baseUrl), locale: publication.locale, brand: publication.brand, rule });
      } catch {
        // Refused before scheduling: the partner sees why on its card, shortens it and approves it by hand.
        if (publication.stateDetail !== 'breaks_account_rules') await tx.update(publications).set({ stateDetail: 'breaks_account_rules', updatedAt: now }).where(eq(publications.id, id));
        continue;
      }
      const slot = nextSlot(settings, taken, now, random, { minLeadMs: deps.config.autopublishVetoMs });
      // No room in the coming weeks: the rest waits for the next pass.
      if (!slot) break;
      await tx.update(publications).set({ state: 'scheduled', scheduledAt: slot, autopilot: true, notifiedAt: null, stateDetail: null, updatedAt: now }).where(eq(publications.id, id));
      await queueScheduled(tx, id, slot);
      taken.push(slot);
      count++;
    }
    if (count > 0) await queueNotice(tx, account.partnerId, now);
    return count;
  });
  if (scheduled > 0) deps.wakeWorker?.();
  return scheduled;
}

/** Schedules for every account of the partner with autopublish on (after their publications were prepared). */
export async function schedulePartner(db: Db, deps: PublishingDeps, partnerId: string): Promise<number> {
  const accounts = await queryRows<{ account_id: string }>(
    db,
    sql`select s.account_id from autopilot_settings s join connected_accounts a on a.id = s.account_id
         where a.partner_id = ${partnerId} and a.state = 'connected' and s.enabled
           and exists (select 1 from publications p where p.account_id = a.id and p.state = 'pending_review')`,
  );
  let total = 0;
  for (const { account_id: accountId } of accounts) total += await scheduleAccount(db, deps, accountId);
  return total;
}

export interface Announced {
  id: string;
  scheduledAt: Date;
  text: string;
  label: string;
  network: string;
  timeZone: string;
}

/**
 * Tells the partner of their scheduled publications not yet announced: `send` is called with them
 * (the email) while they are locked, and they are marked as told only once it returned, so a failed
 * send is tried again by the job's retry. A notice job running at the same time skips the rows this
 * one holds (SKIP LOCKED): one email for them, and no lock waits that could cross a replan's.
 */
export async function announceScheduled(db: Db, partnerId: string, now: Date, send: (scheduled: Announced[]) => Promise<void>): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await queryRows<{ id: string; scheduled_at: Date | string; text: string; label: string; network: string; time_zone: string | null }>(
      tx,
      sql`select p.id, p.scheduled_at, p.text, a.label, a.network, s.time_zone
            from publications p join connected_accounts a on a.id = p.account_id left join autopilot_settings s on s.account_id = a.id
           where p.partner_id = ${partnerId} and p.state = 'scheduled' and p.notified_at is null
           order by p.scheduled_at
           for update of p skip locked`,
    );
    if (rows.length === 0) return 0;
    await send(rows.map((row) => ({ id: row.id, scheduledAt: new Date(row.scheduled_at), text: row.text, label: row.label, network: row.network, timeZone: row.time_zone ?? 'Europe/Paris' })));
    await tx.update(publications).set({ notifiedAt: now }).where(inArray(publications.id, rows.map((row) => row.id)));
    return rows.length;
  });
}
