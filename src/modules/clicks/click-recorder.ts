/**
 * Records clicks with their verdicts. Many clicks are written in one transaction (group commit):
 * the statements are the same for 1 or 500 clicks, so under load the cost per click falls while
 * every click is still committed before its 302 leaves.
 *
 * Rules, in order: bot → inactive → suspended → self → duplicate → over_cap → valid. Campaign and
 * partner status and the rate are read inside the writing transaction, so a paused campaign or a
 * suspended partner is honoured at once on every instance; the daily cap is enforced under the
 * partner-day row lock; the de-duplication window under the (link, visitor) row. Only a valid
 * click earns, at the campaign's rate of that moment, stored on the click.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { pgArray } from '../../db/pg-array.js';
import type { RefusalReason, Verdict } from '../../db/schema.js';
import { dedupeKey, isBotUserAgent, utcDay, visitorHash } from './click-rules.js';
import { visitorDayKey } from './visitor-keys.js';

export interface LinkTarget {
  code: string;
  partnerId: string;
  campaignId: string;
  targetUrl: string;
}

/** Where each known code redirects, and whose link it is (unknown codes are absent). */
export async function findLinkTargets(db: Db, codes: string[]): Promise<Map<string, LinkTarget>> {
  const rows = await queryRows<{ code: string; partner_id: string; campaign_id: string; target_url: string }>(
    db,
    sql`select l.code, l.partner_id, l.campaign_id, c.target_url from tracked_links l join campaigns c on c.id = l.campaign_id
        where l.code = any(${pgArray(codes)}::text[])`,
  );
  return new Map(rows.map((r) => [r.code, { code: r.code, partnerId: r.partner_id, campaignId: r.campaign_id, targetUrl: r.target_url }]));
}

export interface ClickContext {
  address: string;
  userAgent: string | undefined;
  /** The partner signed in on the browser that clicked, if any. */
  signedInPartnerId: string | null;
  now: Date;
}

export interface PendingClick extends ClickContext {
  code: string;
  partnerId: string;
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

/** Records one click (a batch of one). */
export async function recordClick(db: Db, link: LinkTarget, click: ClickContext, rules: ClickRules): Promise<RecordedClick> {
  const [result] = await recordClicks(db, [{ ...click, code: link.code, partnerId: link.partnerId }], rules);
  return result!;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Records clicks in one transaction; results are in the order of `clicks`. */
export async function recordClicks(db: Db, clicks: PendingClick[], rules: ClickRules): Promise<RecordedClick[]> {
  if (clicks.length === 0) return [];
  // Fetched before the transaction, on the root handle, where it is cached for the day.
  const dayKeys = new Map<string, string>();
  for (const day of new Set(clicks.map((c) => utcDay(c.now)))) dayKeys.set(day, await visitorDayKey(db, day));
  return db.transaction(async (tx) => {
    const codes = [...new Set(clicks.map((c) => c.code))];
    const links = await queryRows<{ code: string; partner_id: string; campaign_id: string; rate_cents: number; campaign_status: string; partner_status: string }>(
      tx,
      sql`select l.code, l.partner_id, l.campaign_id, c.rate_cents, c.status as campaign_status, p.status as partner_status
          from tracked_links l join campaigns c on c.id = l.campaign_id join partners p on p.id = l.partner_id
          where l.code = any(${pgArray(codes)}::text[])`,
    );
    const linkByCode = new Map(links.map((l) => [l.code, l]));

    const verdicts: Array<Verdict | null> = clicks.map((click) => {
      const link = linkByCode.get(click.code);
      if (!link) throw new Error(`tracked link ${click.code} vanished`);
      if (isBotUserAgent(click.userAgent)) return 'bot';
      if (link.campaign_status !== 'active') return 'inactive';
      if (link.partner_status !== 'active') return 'suspended';
      if (click.signedInPartnerId === link.partner_id) return 'self';
      return null;
    });

    // Duplicates: within the batch first, then against the window kept in click_dedupe.
    if (rules.dedupeHours > 0) {
      const keys = clicks.map((c) => dedupeKey(rules.secret, c.code, c.address, c.userAgent ?? ''));
      const seen = new Map<string, number>();
      clicks.forEach((click, i) => {
        if (verdicts[i] !== null) return;
        const id = `${click.code}\0${keys[i]}`;
        if (seen.has(id)) verdicts[i] = 'duplicate';
        else seen.set(id, i);
      });
      const candidates = [...seen.values()].sort((a, b) => byText(clicks[a]!.code, clicks[b]!.code) || byText(keys[a]!, keys[b]!));
      if (candidates.length > 0) {
        const fresh = await queryRows<{ link_code: string; visitor_key: string }>(
          tx,
          sql`insert into click_dedupe (link_code, visitor_key, counted_at)
              select * from unnest(${pgArray(candidates.map((i) => clicks[i]!.code))}::text[],
                                   ${pgArray(candidates.map((i) => keys[i]!))}::text[],
                                   ${pgArray(candidates.map((i) => clicks[i]!.now.toISOString()))}::timestamptz[])
              on conflict (link_code, visitor_key) do update set counted_at = excluded.counted_at
              where click_dedupe.counted_at <= excluded.counted_at - ${rules.dedupeHours} * interval '1 hour'
              returning link_code, visitor_key`,
        );
        const freshIds = new Set(fresh.map((r) => `${r.link_code}\0${r.visitor_key}`));
        for (const i of candidates) if (!freshIds.has(`${clicks[i]!.code}\0${keys[i]}`)) verdicts[i] = 'duplicate';
      }
    }

    // The daily cap: lock the partner-day rows (in a fixed order, so two writers cannot deadlock).
    const days = clicks.map((c) => utcDay(c.now));
    const capped = clicks.map((_, i) => i).filter((i) => verdicts[i] === null);
    {
      // Every partner-day row this batch will write is locked here, in one sorted pass (not only
      // those of clicks still undecided): two batches then always lock in the same order.
      const pairs = [...new Set(clicks.map((c, i) => `${linkByCode.get(c.code)!.partner_id}|${days[i]}`))].sort(byText);
      const partnerIds = pgArray(pairs.map((p) => p.split('|')[0]!));
      const dayList = pgArray(pairs.map((p) => p.split('|')[1]!));
      await tx.execute(sql`insert into partner_daily_stats (partner_id, day) select * from unnest(${partnerIds}::uuid[], ${dayList}::date[]) on conflict do nothing`);
      const current = await queryRows<{ partner_id: string; day: string; valid_clicks: number }>(
        tx,
        // to_char, not ::text: a cast follows the server's DateStyle (24/11/2026 under SQL, DMY).
        sql`select s.partner_id, to_char(s.day, 'YYYY-MM-DD') as day, s.valid_clicks from partner_daily_stats s
            join unnest(${partnerIds}::uuid[], ${dayList}::date[]) as k(partner_id, day) on k.partner_id = s.partner_id and k.day = s.day
            order by s.partner_id, s.day for update of s`,
      );
      const paidSoFar = new Map(current.map((r) => [`${r.partner_id}|${r.day}`, r.valid_clicks]));
      for (const i of capped) {
        const key = `${linkByCode.get(clicks[i]!.code)!.partner_id}|${days[i]}`;
        const count = paidSoFar.get(key);
        if (count === undefined) throw new Error(`partner-day row ${key} was not locked`);
        if (count < rules.maxPaidClicksPerDay) {
          verdicts[i] = 'valid';
          paidSoFar.set(key, count + 1);
        } else {
          verdicts[i] = 'over_cap';
        }
      }
    }

    const results: RecordedClick[] = clicks.map((click, i) => {
      const verdict = verdicts[i]!;
      return { verdict, amountCents: verdict === 'valid' ? linkByCode.get(click.code)!.rate_cents : 0 };
    });

    // The summary: one row of deltas per partner and day, in a fixed order.
    const deltas = new Map<string, { valid: number; earned: number } & Record<RefusalReason, number>>();
    clicks.forEach((click, i) => {
      const key = `${linkByCode.get(click.code)!.partner_id}|${days[i]}`;
      let delta = deltas.get(key);
      if (!delta) {
        delta = { valid: 0, earned: 0, bot: 0, duplicate: 0, self: 0, over_cap: 0, inactive: 0, suspended: 0 };
        deltas.set(key, delta);
      }
      const { verdict, amountCents } = results[i]!;
      if (verdict === 'valid') {
        delta.valid += 1;
        delta.earned += amountCents;
      } else {
        delta[verdict] += 1;
      }
    });
    const keys = [...deltas.keys()].sort(byText);
    const column = (pick: (d: { valid: number; earned: number } & Record<RefusalReason, number>) => number) => pgArray(keys.map((k) => pick(deltas.get(k)!)));
    await tx.execute(sql`
      insert into partner_daily_stats (partner_id, day, valid_clicks, earned_cents, bot, duplicate, self, over_cap, inactive, suspended)
      select * from unnest(${pgArray(keys.map((k) => k.split('|')[0]!))}::uuid[], ${pgArray(keys.map((k) => k.split('|')[1]!))}::date[],
        ${column((d) => d.valid)}::int[], ${column((d) => d.earned)}::int8[], ${column((d) => d.bot)}::int[], ${column((d) => d.duplicate)}::int[],
        ${column((d) => d.self)}::int[], ${column((d) => d.over_cap)}::int[], ${column((d) => d.inactive)}::int[], ${column((d) => d.suspended)}::int[])
      on conflict (partner_id, day) do update set
        valid_clicks = partner_daily_stats.valid_clicks + excluded.valid_clicks,
        earned_cents = partner_daily_stats.earned_cents + excluded.earned_cents,
        bot = partner_daily_stats.bot + excluded.bot,
        duplicate = partner_daily_stats.duplicate + excluded.duplicate,
        self = partner_daily_stats.self + excluded.self,
        over_cap = partner_daily_stats.over_cap + excluded.over_cap,
        inactive = partner_daily_stats.inactive + excluded.inactive,
        suspended = partner_daily_stats.suspended + excluded.suspended`);

    await tx.execute(sql`
      insert into metric_events (kind, occurred_at, partner_id, campaign_id, link_code, verdict, amount_cents, visitor_hash)
      select 'click', * from unnest(
        ${pgArray(clicks.map((c) => c.now.toISOString()))}::timestamptz[],
        ${pgArray(clicks.map((c) => linkByCode.get(c.code)!.partner_id))}::uuid[],
        ${pgArray(clicks.map((c) => linkByCode.get(c.code)!.campaign_id))}::uuid[],
        ${pgArray(clicks.map((c) => c.code))}::text[],
        ${pgArray(results.map((r) => r.verdict))}::text[],
        ${pgArray(results.map((r) => r.amountCents))}::int[],
        ${pgArray(clicks.map((c, i) => visitorHash(dayKeys.get(days[i]!)!, c.address, c.userAgent ?? '')))}::text[])`);
    return results;
  });
}

/** Forgets de-duplication keys whose window is over. */
export async function purgeExpiredDedupeKeys(db: Db, dedupeHours: number, now = new Date()): Promise<void> {
  await db.execute(sql`delete from click_dedupe where counted_at < ${new Date(now.getTime() - Math.max(dedupeHours, 1) * 3600_000)}`);
}

