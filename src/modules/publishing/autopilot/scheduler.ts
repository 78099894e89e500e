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
                    else coalesce(scheduled_at, approved_at, updated_at) end as at
          from publications
         where account_id = ${accountId} and id <> ${except ?? '00000000-0000-0000-0000-000000000000'}
           and (state = 'scheduled'
                or (state = 'published' and published_at >= ${since}::timestamptz)
                or (state in ('approved', 'publishing') and coalesce(scheduled_at, approved_at, updated_at) >= ${since}::timestamptz))`,
  );
  return rows.map((row) => new Date(row.at));
}

/** Queues the publishing of a scheduled publication at its time (the key names that time). */
export async function queueScheduled(tx: Db, publicationId: string, at: Date, suffix = ''): Promise<void> {
  await enqueueJob(tx, PUBLISH_JOB, { publicationId, scheduledAt: at.getTime() }, { dedupeKey: `publication:${publicationId}:${at.getTime()}${suffix}`, runAt: at, maxAttempts: PUBLISH_ATTEMPTS });
}

/** One email for what was just scheduled for the partner (the notice job sends what is not yet announced). */
export async function queueNotice(tx: Db, partnerId: string, now: Date): Promise<void> {
  await enqueueJob(tx, NOTICE_JOB, { partnerId }, { dedupeKey: `notice:${partnerId}:${Math.floor(now.getTime() / NOTICE_DELAY_MS)}`, runAt: new Date(now.getTime() + NOTICE_DELAY_MS) });
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
        // Refused before scheduling: the partner shortens it and approves it by hand.
        await tx.update(publications).set({ stateDetail: 'breaks_account_rules', updatedAt: now }).where(eq(publications.id, id));
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

/** The scheduled publications the partner has not been told of yet, marked as told (the notice job's read). */
export async function takeUnannounced(db: Db, partnerId: string, now: Date): Promise<Array<{ id: string; scheduledAt: Date; text: string; label: string; network: string; timeZone: string }>> {
  return db.transaction(async (tx) => {
    const rows = await queryRows<{ id: string; scheduled_at: Date | string; text: string; label: string; network: string; time_zone: string | null }>(
      tx,
      sql`select p.id, p.scheduled_at, p.text, a.label, a.network, s.time_zone
            from publications p join connected_accounts a on a.id = p.account_id left join autopilot_settings s on s.account_id = a.id
           where p.partner_id = ${partnerId} and p.state = 'scheduled' and p.notified_at is null
           order by p.scheduled_at
           for update of p`,
    );
    if (rows.length > 0) await tx.update(publications).set({ notifiedAt: now }).where(inArray(publications.id, rows.map((row) => row.id)));
    return rows.map((row) => ({ id: row.id, scheduledAt: new Date(row.scheduled_at), text: row.text, label: row.label, network: row.network, timeZone: row.time_zone ?? 'Europe/Paris' }));
  });
}
