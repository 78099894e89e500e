/**
 * Records one click with its verdict, in one transaction with the partner's daily summary, so the
 * summary can never disagree with the ledger. Rules, in order: bot → inactive → suspended → self →
 * duplicate → over_cap → valid. Only a valid click earns, at the campaign's rate of that moment.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { campaigns, metricEvents, partners, trackedLinks, type RefusalReason, type Verdict } from '../../db/schema.js';
import { dedupeKey, isBotUserAgent, utcDay, visitorHash } from './click-rules.js';

export interface LinkTarget {
  code: string;
  partnerId: string;
  campaignId: string;
  targetUrl: string;
  rateCents: number;
  campaignStatus: 'active' | 'paused' | 'ended';
  partnerStatus: 'active' | 'suspended';
}

export async function findLinkTarget(db: Db, code: string): Promise<LinkTarget | null> {
  const [row] = await db
    .select({
      code: trackedLinks.code,
      partnerId: trackedLinks.partnerId,
      campaignId: trackedLinks.campaignId,
      targetUrl: campaigns.targetUrl,
      rateCents: campaigns.rateCents,
      campaignStatus: campaigns.status,
      partnerStatus: partners.status,
    })
    .from(trackedLinks)
    .innerJoin(campaigns, eq(campaigns.id, trackedLinks.campaignId))
    .innerJoin(partners, eq(partners.id, trackedLinks.partnerId))
    .where(eq(trackedLinks.code, code));
  return row ?? null;
}

export interface ClickContext {
  address: string;
  userAgent: string | undefined;
  /** The partner signed in on the browser that clicked, if any. */
  signedInPartnerId: string | null;
  now: Date;
}

export interface ClickRules {
  secret: string;
  dedupeHours: number;
  maxPaidClicksPerDay: number;
}

export interface RecordedClick {
  verdict: Verdict;
  amountCents: number;
}

/** The verdicts decided without the database. */
function firstVerdict(link: LinkTarget, click: ClickContext): RefusalReason | null {
  if (isBotUserAgent(click.userAgent)) return 'bot';
  if (link.campaignStatus !== 'active') return 'inactive';
  if (link.partnerStatus !== 'active') return 'suspended';
  if (click.signedInPartnerId === link.partnerId) return 'self';
  return null;
}

export async function recordClick(db: Db, link: LinkTarget, click: ClickContext, rules: ClickRules): Promise<RecordedClick> {
  const userAgent = click.userAgent ?? '';
  const day = utcDay(click.now);
  return db.transaction(async (tx) => {
    let verdict: Verdict | null = firstVerdict(link, click);

    if (verdict === null && rules.dedupeHours > 0) {
      const windowStart = new Date(click.now.getTime() - rules.dedupeHours * 3600_000);
      const fresh = await queryRows(
        tx,
        sql`insert into click_dedupe (link_code, visitor_key, counted_at)
            values (${link.code}, ${dedupeKey(rules.secret, link.code, click.address, userAgent)}, ${click.now})
            on conflict (link_code, visitor_key) do update set counted_at = excluded.counted_at
            where click_dedupe.counted_at <= ${windowStart}
            returning 1`,
      );
      if (fresh.length === 0) verdict = 'duplicate';
    }

    if (verdict === null) {
      // The cap and the earning in one statement: the row lock makes concurrent clicks queue here.
      const paid = await queryRows(
        tx,
        sql`insert into partner_daily_stats (partner_id, day, valid_clicks, earned_cents)
            values (${link.partnerId}, ${day}, 1, ${link.rateCents})
            on conflict (partner_id, day) do update
              set valid_clicks = partner_daily_stats.valid_clicks + 1,
                  earned_cents = partner_daily_stats.earned_cents + excluded.earned_cents
            where partner_daily_stats.valid_clicks < ${rules.maxPaidClicksPerDay}
            returning 1`,
      );
      verdict = paid.length === 1 ? 'valid' : 'over_cap';
    }

    if (verdict !== 'valid') {
      const column = sql.raw(REASON_COLUMNS[verdict]);
      await tx.execute(
        sql`insert into partner_daily_stats (partner_id, day, ${column}) values (${link.partnerId}, ${day}, 1)
            on conflict (partner_id, day) do update set ${column} = partner_daily_stats.${column} + 1`,
      );
    }

    const amountCents = verdict === 'valid' ? link.rateCents : 0;
    await tx.insert(metricEvents).values({
      kind: 'click',
      occurredAt: click.now,
      partnerId: link.partnerId,
      campaignId: link.campaignId,
      linkCode: link.code,
      verdict,
      amountCents,
      visitorHash: visitorHash(rules.secret, click.address, userAgent, click.now),
    });
    return { verdict, amountCents };
  });
}

/** Column of partner_daily_stats counting each refusal reason (a fixed list, never user input). */
export const REASON_COLUMNS: Record<RefusalReason, string> = {
  bot: 'bot',
  duplicate: 'duplicate',
  self: 'self',
  over_cap: 'over_cap',
  inactive: 'inactive',
  suspended: 'suspended',
};

/** Forgets de-duplication keys whose window is over. */
export async function purgeExpiredDedupeKeys(db: Db, dedupeHours: number, now = new Date()): Promise<void> {
  await db.execute(sql`delete from click_dedupe where counted_at < ${new Date(now.getTime() - Math.max(dedupeHours, 1) * 3600_000)}`);
}
