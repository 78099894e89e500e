/** Small builders for ledger tests: partners, campaigns, links and clicks through the real services. */
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/client.js';
import { partners, trackedLinks } from '../../src/db/schema.js';
import { DomainError } from '../../src/lib/errors.js';
import { createCampaign, type Campaign } from '../../src/modules/campaigns/campaigns.js';
import { ensureTrackedLinks } from '../../src/modules/campaigns/tracked-links.js';
import { findLinkTargets, recordClick, type ClickSettings, type RecordedClick } from '../../src/modules/clicks/click-recorder.js';

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
  const [row] = await db.select({ code: trackedLinks.code }).from(trackedLinks).where(sql`${trackedLinks.partnerId} = ${partnerId} and ${trackedLinks.campaignId} = ${campaignId} and ${trackedLinks.purpose} = 'main'`);
  return row!.code;
}

export const defaultClickSettings: ClickSettings = { secret: 'x'.repeat(32), dedupeHours: 24, maxPaidClicksPerDay: 500 };

let visitorCounter = 0;
/** A click by a fresh visitor unless `address`/`userAgent` are given. */
export async function click(
  db: Db,
  code: string,
  options: { address?: string; userAgent?: string; signedIn?: string | null; notNavigation?: boolean; now?: Date; rules?: ClickSettings } = {},
): Promise<RecordedClick> {
  const link = (await findLinkTargets(db, [code])).get(code);
  if (!link) throw new Error(`no link ${code}`);
  return recordClick(
    db,
    link,
    {
      address: options.address ?? `192.0.2.${++visitorCounter % 250}:${visitorCounter}`,
      userAgent: options.userAgent === undefined ? BROWSER_UA : options.userAgent,
      signedInPartnerId: options.signedIn ?? null,
      notNavigation: options.notNavigation ?? false,
      now: options.now ?? new Date(),
    },
    options.rules ?? defaultClickSettings,
  );
}

/** How many rows `from` holds: a table, or a table and its condition (sql`payouts where …`). */
export async function countRows(db: Db, from: SQL): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int8 as n from ${from}`);
  return row!.n;
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

/** Gives a partner `clicks` valid clicks on a campaign paying `rateEur` each; returns the link code. */
export async function earn(db: Db, partnerId: string, clicks: number, rateEur = '10'): Promise<string> {
  const campaign = await addCampaign(db, rateEur, `Gains ${rateEur}`);
  const code = await linkCode(db, partnerId, campaign.id);
  for (let i = 0; i < clicks; i++) await click(db, code);
  return code;
}

/** The ledger invariants of the spec, checked straight in the database. */
export async function ledgerProblems(db: Db): Promise<string[]> {
  const rows = await queryRows<{ partner_id: string; earned: number; paid: number; pending: number; payouts: number; paid_requests: number }>(
    db,
    sql`select p.id as partner_id,
          (select coalesce(sum(amount_cents), 0)::int8 from metric_events e where e.partner_id = p.id) as earned,
          (select coalesce(sum(amount_cents), 0)::int8 from payouts o where o.partner_id = p.id) as paid,
          (select coalesce(sum(amount_cents), 0)::int8 from withdraw_requests w where w.partner_id = p.id and w.status in ('requested', 'approved')) as pending,
          (select count(*)::int8 from payouts o where o.partner_id = p.id) as payouts,
          (select count(*)::int8 from withdraw_requests w where w.partner_id = p.id and w.status = 'paid') as paid_requests
        from partners p`,
  );
  const problems: string[] = [];
  for (const r of rows) {
    const available = r.earned - r.paid - r.pending;
    if (available < 0) problems.push(`${r.partner_id}: available ${available} < 0`);
    if (r.payouts !== r.paid_requests) problems.push(`${r.partner_id}: ${r.payouts} payouts for ${r.paid_requests} paid requests`);
  }
  const mismatched = await queryRows<{ id: string }>(
    db,
    sql`select w.id from withdraw_requests w left join payouts o on o.withdraw_request_id = w.id
        where (w.status = 'paid') <> (o.id is not null) or (o.id is not null and o.amount_cents <> w.amount_cents)`,
  );
  for (const m of mismatched) problems.push(`request ${m.id}: payout and status disagree`);
  return problems;
}

/** The refusal a service answers (a DomainError: code, status, message key, field); fails if it answers at all. */
export async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
