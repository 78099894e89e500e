/** Small builders for ledger tests: partners, campaigns, links and clicks through the real services. */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/client.js';
import { partners, trackedLinks } from '../../src/db/schema.js';
import { createCampaign, type Campaign } from '../../src/modules/campaigns/campaigns.js';
import { ensureTrackedLinks } from '../../src/modules/campaigns/tracked-links.js';
import { findLinkTarget, recordClick, type ClickRules, type RecordedClick } from '../../src/modules/clicks/click-recorder.js';

export const BROWSER_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
export const operator = { id: null, label: 'test' };

export async function addPartner(db: Db, email: string, extra: { pseudonym?: string; createdAt?: Date } = {}): Promise<string> {
  const [row] = await db.insert(partners).values({ email, ...extra }).returning({ id: partners.id });
  await ensureTrackedLinks(db, { partnerId: row!.id });
  return row!.id;
}

export async function addCampaign(db: Db, rateEur = '0.12', name = 'Campagne test'): Promise<Campaign> {
  return createCampaign(db, { name, targetUrl: 'https://brand.example/offer?utm=pe', ratePerClickEur: rateEur }, 12, operator);
}

export async function linkCode(db: Db, partnerId: string, campaignId: string): Promise<string> {
  const [row] = await db.select({ code: trackedLinks.code }).from(trackedLinks).where(sql`${trackedLinks.partnerId} = ${partnerId} and ${trackedLinks.campaignId} = ${campaignId}`);
  return row!.code;
}

export const defaultRules: ClickRules = { secret: 'x'.repeat(32), dedupeHours: 24, maxPaidClicksPerDay: 500 };

let visitorCounter = 0;
/** A click by a fresh visitor unless `address`/`userAgent` are given. */
export async function click(
  db: Db,
  code: string,
  options: { address?: string; userAgent?: string; signedIn?: string | null; now?: Date; rules?: ClickRules } = {},
): Promise<RecordedClick> {
  const link = await findLinkTarget(db, code);
  if (!link) throw new Error(`no link ${code}`);
  return recordClick(
    db,
    link,
    {
      address: options.address ?? `192.0.2.${++visitorCounter % 250}:${visitorCounter}`,
      userAgent: options.userAgent === undefined ? BROWSER_UA : options.userAgent,
      signedInPartnerId: options.signedIn ?? null,
      now: options.now ?? new Date(),
    },
    options.rules ?? defaultRules,
  );
}

export async function partnerIdByEmail(db: Db, email: string): Promise<string> {
  const [row] = await db.select({ id: partners.id }).from(partners).where(eq(partners.email, email));
  return row!.id;
}

export async function eventRows(db: Db, partnerId: string) {
  return queryRows<{ verdict: string; amount_cents: number; visitor_hash: string | null; link_code: string }>(
    db,
    sql`select verdict, amount_cents, visitor_hash, link_code from metric_events where partner_id = ${partnerId} order by id`,
  );
}
