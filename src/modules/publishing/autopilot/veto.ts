/**
 * The veto window: until a worker claims a scheduled publication, its partner can cancel it, edit
 * its text (checked as an approval's edit) or move it to another time that fits their settings.
 * Each is made under the account's lock (taken first, as the scheduler does) and the publication's,
 * from `scheduled` only: a publication already claimed is refused, as it may be out.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.js';
import { autopilotSettings, connectedAccounts, publications } from '../../../db/schema.js';
import { ConflictError, InputError, NotFoundError } from '../../../lib/errors.js';
import { isUuid } from '../../../lib/ids.js';
import { cancelQueuedJobs } from '../../jobs/job-queue.js';
import { finalText, lockOwn, nowFor, type Locked, type Publication, type PublishingDeps } from '../publications.js';
import { checkSlot, wallToInstant, AUTOPILOT_DEFAULTS, DEFAULT_HORIZON_DAYS } from './schedule.js';
import { HELD } from './holds.js';
import { queueScheduled, settingsOf, takenTimes } from './scheduler.js';

/** A time chosen by hand is at least this far ahead: a worker may claim what is due any second. */
export const MIN_RESCHEDULE_LEAD_MS = 10 * 60_000;

async function lockScheduled(tx: Db, partnerId: string, id: string): Promise<Locked> {
  if (!isUuid(id)) throw new NotFoundError('publication');
  const [own] = await tx.select({ accountId: publications.accountId }).from(publications).where(and(eq(publications.id, id), eq(publications.partnerId, partnerId)));
  if (!own) throw new NotFoundError('publication');
  await tx.select({ id: connectedAccounts.id }).from(connectedAccounts).where(eq(connectedAccounts.id, own.accountId)).for('update');
  const locked = await lockOwn(tx, partnerId, id);
  if (locked.publication.state !== 'scheduled') throw new ConflictError('publication_state', 'autopilot.error.notScheduled', { state: locked.publication.state });
  return locked;
}

/** The partner cancels a scheduled publication: it will not go out (declined, its job cancelled). */
export async function cancelScheduled(db: Db, partnerId: string, id: string): Promise<Publication> {
  return db.transaction(async (tx) => {
    await lockScheduled(tx, partnerId, id);
    const [after] = await tx.update(publications).set({ state: 'declined', stateDetail: 'cancelled_by_partner', updatedAt: new Date() }).where(eq(publications.id, id)).returning();
    await cancelQueuedJobs(tx, [`publication:${id}:`]);
    return after!;
  });
}

/** The partner edits a scheduled publication's text: disclosure, brand, link and the account's limit checked. */
export async function editScheduled(db: Db, deps: PublishingDeps, partnerId: string, id: string, input: { text?: unknown }): Promise<Publication> {
  return db.transaction(async (tx) => {
    const locked = await lockScheduled(tx, partnerId, id);
    const { text, edited } = await finalText(tx, deps, locked, input.text);
    const [after] = await tx.update(publications).set({ text, edited, updatedAt: new Date() }).where(eq(publications.id, id)).returning();
    return after!;
  });
}

/**
 * The partner moves a scheduled publication to a local date and time of theirs (in the account's
 * time zone): it must be ahead, within the coming weeks, and fit the account's allowed days and
 * hours, daily cap and spacing as the autopilot's own slots do.
 */
export async function rescheduleScheduled(db: Db, deps: PublishingDeps, partnerId: string, id: string, input: { at?: unknown }): Promise<Publication> {
  const now = nowFor(deps);
  const rescheduled = await db.transaction(async (tx) => {
    const locked = await lockScheduled(tx, partnerId, id);
    const [row] = await tx.select().from(autopilotSettings).where(eq(autopilotSettings.accountId, locked.publication.accountId));
    const settings = row ? settingsOf(row) : { ...AUTOPILOT_DEFAULTS, days: [...AUTOPILOT_DEFAULTS.days] };
    const at = typeof input.at === 'string' ? wallToInstant(input.at.trim(), settings.timeZone) : null;
    if (!at) throw new InputError('at', 'autopilot.error.at', { zone: settings.timeZone });
    if (at.getTime() < now.getTime() + MIN_RESCHEDULE_LEAD_MS) throw new InputError('at', 'autopilot.error.atPast', { minutes: MIN_RESCHEDULE_LEAD_MS / 60_000 });
    if (at.getTime() > now.getTime() + DEFAULT_HORIZON_DAYS * 86_400_000) throw new InputError('at', 'autopilot.error.atFar', { days: DEFAULT_HORIZON_DAYS });
    const refusal = checkSlot(settings, await takenTimes(tx, locked.publication.accountId, now, id), at);
    if (refusal === 'window') throw new InputError('at', 'autopilot.error.atWindow', { start: settings.startHour, end: settings.endHour });
    if (refusal === 'cap') throw new InputError('at', 'autopilot.error.atCap', { cap: settings.dailyCap });
    if (refusal === 'spacing') throw new InputError('at', 'autopilot.error.atSpacing', { hours: Math.round((settings.spacingMinutes / 60) * 10) / 10 });
    await cancelQueuedJobs(tx, [`publication:${id}:`]);
    // Chosen by the partner: nothing to announce.
    const [after] = await tx.update(publications).set({ scheduledAt: at, notifiedAt: now, updatedAt: now }).where(eq(publications.id, id)).returning();
    // Held (a pause): its job is queued when the pause ends, at this time.
    if (!locked.publication.stateDetail?.startsWith(HELD)) await queueScheduled(tx, id, at);
    return after!;
  });
  deps.wakeWorker?.();
  return rescheduled;
}
