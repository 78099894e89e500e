/**
 * Records clicks with their verdicts. Many clicks are written in one transaction (group commit):
 * one database call for 1 or 500 clicks, so under load the cost per click falls while every click
 * is still committed before its 302 leaves.
 *
 * Rules, in order: bot → not_navigation → inactive → suspended → self → duplicate → over_cap →
 * valid. The app decides what needs no database: bots (isbot), loads that are no navigation
 * (Fetch Metadata), the keyed de-duplication key and visitor hash. The rest is applied by
 * `record_clicks` (its live definition is migrations/functions/record_clicks.sql) in the same call that
 * writes: campaign and partner status and the rate are read there, so a paused campaign or a
 * suspended partner is honoured at once on every instance; the daily cap is settled under the
 * partner-day row lock, the de-duplication window under the (link, visitor) row. Only a valid
 * click earns, at the campaign's rate of that moment, stored on the click. Each click is answered
 * with its ledger row's id too, from which the redirect builds the click id (click-id.ts).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { pgArray } from '../../db/pg-array.js';
import type { Verdict } from '../../db/schema.js';
import { clickLocation, type ClickLocation } from './click-id.js';
import { appVerdict, dedupeKey, utcDay, visitorHash } from './click-rules.js';
import { visitorDayKey } from './visitor-keys.js';

export interface LinkTarget {
  code: string;
  partnerId: string;
  campaignId: string;
  targetUrl: string;
  /** The query parameter that carries the click id to the shop (`campaigns.click_param`). */
  clickParam: string;
  /** The stored URL split around the click id, once per link (`locationWithClickId`). */
  location: ClickLocation;
}

/** Where each known code redirects, and whose link it is (unknown codes are absent). */
export async function findLinkTargets(db: Db, codes: string[]): Promise<Map<string, LinkTarget>> {
  const rows = await queryRows<{ code: string; partner_id: string; campaign_id: string; target_url: string; click_param: string }>(
    db,
    sql`select l.code, l.partner_id, l.campaign_id, c.target_url, c.click_param from tracked_links l join campaigns c on c.id = l.campaign_id
        where l.code = any(${pgArray(codes)}::text[])`,
  );
  return new Map(
    rows.map((r) => [
      r.code,
      { code: r.code, partnerId: r.partner_id, campaignId: r.campaign_id, targetUrl: r.target_url, clickParam: r.click_param, location: clickLocation(r.target_url, r.click_param) },
    ]),
  );
}

export interface ClickContext {
  address: string;
  userAgent: string | undefined;
  /** The partner signed in on the browser that clicked, if any. */
  signedInPartnerId: string | null;
  /** The request declared a purpose other than a top-level navigation (`isNotNavigation`). */
  notNavigation: boolean;
  now: Date;
}

export interface PendingClick extends ClickContext {
  code: string;
  partnerId: string;
}

/** The settings the rules apply (APP_SECRET, CLICK_DEDUPE_HOURS, MAX_PAID_CLICKS_PER_DAY). */
export interface ClickSettings {
  secret: string;
  dedupeHours: number;
  maxPaidClicksPerDay: number;
}

export interface RecordedClick {
  verdict: Verdict;
  amountCents: number;
  /** The click's row in metric_events (every click has one, refused or not). */
  eventId: number;
}

/** Records one click (a batch of one). */
export async function recordClick(db: Db, link: LinkTarget, click: ClickContext, settings: ClickSettings): Promise<RecordedClick> {
  const [result] = await recordClicks(db, [{ ...click, code: link.code, partnerId: link.partnerId }], settings);
  return result!;
}

/** The day keys the clicks' visitor hashes need (cached for the day on the root handle). */
export async function visitorKeysFor(db: Db, clicks: PendingClick[]): Promise<Map<string, string>> {
  const dayKeys = new Map<string, string>();
  for (const day of new Set(clicks.map((c) => utcDay(c.now)))) dayKeys.set(day, await visitorDayKey(db, day));
  return dayKeys;
}

/**
 * Records clicks in one call of `record_click_batch_with_ids` (migrations/functions/: the receipt
 * first, `record_clicks_with_ids`, the verdicts and ledger ids; rows reached by key only), which
 * is its own transaction and leaves a receipt under `batchId`: after a failure,
 * `findBatchReceipt` tells whether the batch landed anyway. Results are in the order of `clicks`. `dayKeys` may be fetched
 * beforehand, so that a failure there is known to have sent nothing.
 */
export async function recordClicks(
  db: Db,
  clicks: PendingClick[],
  settings: ClickSettings,
  batchId: string = randomUUID(),
  dayKeys?: Map<string, string>,
): Promise<RecordedClick[]> {
  if (clicks.length === 0) return [];
  const keys = dayKeys ?? (await visitorKeysFor(db, clicks));
  const rows = await queryRows<{ click_verdict: Verdict; click_amount_cents: number; click_event_id: number }>(
    db,
    sql`select click_verdict, click_amount_cents, click_event_id from record_click_batch_with_ids(
          ${batchId}::uuid,
          ${pgArray(clicks.map((c) => c.code))}::text[],
          ${pgArray(clicks.map((c) => c.now.toISOString()))}::timestamptz[],
          ${pgArray(clicks.map(appVerdict))}::text[],
          ${pgArray(clicks.map((c) => c.signedInPartnerId))}::uuid[],
          ${pgArray(clicks.map((c) => dedupeKey(settings.secret, c.code, c.address, c.userAgent ?? '')))}::text[],
          ${pgArray(clicks.map((c) => visitorHash(keys.get(utcDay(c.now))!, c.address, c.userAgent ?? '')))}::text[],
          ${settings.dedupeHours}::integer, ${settings.maxPaidClicksPerDay}::integer)`,
  );
  if (rows.length !== clicks.length) throw new Error(`record_clicks answered ${rows.length} rows for ${clicks.length} clicks`);
  return rows.map((r) => ({ verdict: r.click_verdict, amountCents: r.click_amount_cents, eventId: r.click_event_id }));
}

/**
 * Whether a batch committed, once it can no longer change
 * (migrations/functions/click_batch_outcome_with_ids.sql): its verdicts and ledger ids if it did;
 * null if it did not, and then it never will (the lookup leaves an empty receipt under its id, on
 * which the batch, were it still to arrive, fails). Waits up to 10 s for a batch still running: a
 * dropped connection does not stop PostgreSQL from committing it.
 */
export async function findBatchReceipt(db: Db, batchId: string): Promise<RecordedClick[] | null> {
  const [outcome] = await queryRows<{ landed: boolean; verdicts: Verdict[] | null; amounts: number[] | null; event_ids: Array<number | string> | null }>(
    db,
    sql`select landed, verdicts, amounts, event_ids from click_batch_outcome_with_ids(${batchId}::uuid)`,
  );
  if (!outcome) throw new Error(`no outcome for click batch ${batchId}`);
  if (!outcome.landed) return null;
  const verdicts = outcome.verdicts ?? [];
  const amounts = outcome.amounts ?? [];
  // int8[] comes as text from `pg` (its parser is set for int8 alone): read here, checked like int8.
  const ids = (outcome.event_ids ?? []).map(Number);
  // Written by this version's batches, always with their ids; a receipt without them cannot be answered.
  if (ids.length !== verdicts.length || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
    throw new Error(`the receipt of click batch ${batchId} holds ${ids.length} ledger ids for ${verdicts.length} clicks`);
  }
  return verdicts.map((verdict, i) => ({ verdict, amountCents: amounts[i]!, eventId: ids[i]! }));
}

/**
 * Receipts and fences older than a day: no batch's answer is still awaited, and no batch is still
 * on its way to the database, after that long.
 */
export async function deleteOldBatchReceipts(db: Db, now = new Date()): Promise<void> {
  await db.execute(sql`delete from click_batches where written_at < ${new Date(now.getTime() - 24 * 3600_000)}`);
}

/** Forgets de-duplication keys whose window is over. */
export async function purgeExpiredDedupeKeys(db: Db, dedupeHours: number, now = new Date()): Promise<void> {
  await db.execute(sql`delete from click_dedupe where counted_at < ${new Date(now.getTime() - Math.max(dedupeHours, 1) * 3600_000)}`);
}

