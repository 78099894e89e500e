/**
 * A partner's autopublish settings, per connected account: turned on with a daily cap, allowed
 * hours and days in their time zone, and a spacing (checked by schedule.ts, refused with the
 * field at fault and nothing changed); turned off, everything not yet claimed goes back to the
 * review queue. Saving re-plans what is scheduled under the new settings (and announces it again).
 */
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.js';
import { autopilotSettings, connectedAccounts, publications } from '../../../db/schema.js';
import { NotFoundError } from '../../../lib/errors.js';
import { isUuid } from '../../../lib/ids.js';
import { writeAudit } from '../../audit/audit-log.js';
import type { PublishingDeps } from '../publications.js';
import { AUTOPILOT_DEFAULTS, checkAutopilotSettings, NETWORK_DAILY_CEILING, type AutopilotSettings, type AutopilotSettingsInput } from './schedule.js';
import { scheduleAccount, settingsOf, unscheduleAccount } from './scheduler.js';

export interface AccountAutopilot {
  enabled: boolean;
  settings: AutopilotSettings;
  /** The network's ceiling of the daily cap; null where autopublish is not offered. */
  ceiling: number | null;
}

/** Each of the partner's accounts' autopilot (defaults where never set). */
export async function partnerAutopilots(db: Db, partnerId: string): Promise<Map<string, AccountAutopilot>> {
  const rows = await db
    .select({ accountId: connectedAccounts.id, network: connectedAccounts.network, settings: autopilotSettings })
    .from(connectedAccounts)
    .leftJoin(autopilotSettings, eq(autopilotSettings.accountId, connectedAccounts.id))
    .where(and(eq(connectedAccounts.partnerId, partnerId), ne(connectedAccounts.state, 'disconnected')));
  return new Map(
    rows.map((row) => [
      row.accountId,
      { enabled: row.settings?.enabled ?? false, settings: row.settings ? settingsOf(row.settings) : { ...AUTOPILOT_DEFAULTS, days: [...AUTOPILOT_DEFAULTS.days] }, ceiling: NETWORK_DAILY_CEILING[row.network] },
    ]),
  );
}

export interface AutopilotForm extends Omit<AutopilotSettingsInput, 'network'> {
  /** A checkbox: 'on' (or true) turns it on; absent turns it off. */
  enabled?: unknown;
  /** Sent by the page's form with its day boxes: no box ticked then means no day, not the default. */
  daysShown?: unknown;
}

const isOn = (value: unknown) => value === true || value === 'on' || value === 'true' || value === '1';

/**
 * Saves the account's autopublish settings. On: checked (any bad value refused, nothing changed),
 * then the account's waiting publications scheduled (those already scheduled re-planned). Off:
 * what is scheduled and not claimed returns to the review queue. Returns how many are scheduled.
 */
export async function saveAutopilot(db: Db, deps: PublishingDeps, partnerId: string, accountId: string, form: AutopilotForm): Promise<{ enabled: boolean; scheduled: number; unscheduled: number }> {
  if (!isUuid(accountId)) throw new NotFoundError('account');
  const [account] = await db.select({ id: connectedAccounts.id, network: connectedAccounts.network, label: connectedAccounts.label }).from(connectedAccounts).where(and(eq(connectedAccounts.id, accountId), eq(connectedAccounts.partnerId, partnerId), ne(connectedAccounts.state, 'disconnected')));
  if (!account) throw new NotFoundError('account');
  const enabled = isOn(form.enabled);
  if (!enabled) {
    const unscheduled = await db.transaction(async (tx) => {
      await tx.select({ id: connectedAccounts.id }).from(connectedAccounts).where(eq(connectedAccounts.id, accountId)).for('update');
      const changed = await tx.update(autopilotSettings).set({ enabled: false, updatedAt: new Date() }).where(and(eq(autopilotSettings.accountId, accountId), eq(autopilotSettings.enabled, true))).returning({ id: autopilotSettings.accountId });
      const back = await unscheduleAccount(tx, accountId, 'autopilot_off');
      if (changed.length > 0) await writeAudit(tx, { actorId: partnerId, actorLabel: 'partner', action: 'autopilot_disabled', subject: `partner:${partnerId}`, partnerId, params: { label: account.label, network: account.network, unscheduled: back } });
      return back;
    });
    return { enabled: false, scheduled: 0, unscheduled };
  }
  // Refused before anything is written: a bad cap, hours, days, zone or spacing changes nothing.
  const days = form.daysShown !== undefined && form.days === undefined ? [] : form.days;
  const settings = checkAutopilotSettings({ ...form, days, network: account.network });
  const values = { enabled: true, dailyCap: settings.dailyCap, startHour: settings.startHour, endHour: settings.endHour, days: [...settings.days], timeZone: settings.timeZone, spacingMinutes: settings.spacingMinutes, updatedAt: new Date() };
  const changed = await db.transaction(async (tx) => {
    await tx.select({ id: connectedAccounts.id }).from(connectedAccounts).where(eq(connectedAccounts.id, accountId)).for('update');
    const [before] = await tx.select().from(autopilotSettings).where(eq(autopilotSettings.accountId, accountId));
    const same = before?.enabled === true && JSON.stringify(settingsOf(before)) === JSON.stringify(settings);
    if (same) return false;
    await tx.insert(autopilotSettings).values({ accountId, ...values }).onConflictDoUpdate({ target: autopilotSettings.accountId, set: values });
    await writeAudit(tx, { actorId: partnerId, actorLabel: 'partner', action: 'autopilot_enabled', subject: `partner:${partnerId}`, partnerId, params: { label: account.label, network: account.network, cap: settings.dailyCap, hours: `${settings.startHour}–${settings.endHour}`, zone: settings.timeZone } });
    return true;
  });
  // New settings re-plan what is scheduled (announced again); the same ones keep the times (a
  // partner's own moves among them) and only schedule what waits.
  await scheduleAccount(db, deps, accountId, { replan: changed });
  const [{ count }] = (await db.select({ count: sql<number>`count(*)::integer` }).from(publications).where(and(eq(publications.accountId, accountId), eq(publications.state, 'scheduled')))) as [{ count: number }];
  const scheduled = Number(count);
  return { enabled: true, scheduled, unscheduled: 0 };
}
