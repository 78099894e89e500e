import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { partners } from '../../src/db/schema.js';
import { lastDays, monthOf, weekOf } from '../../src/lib/periods.js';
import { campaignReport, operatorOverview, parseReportPeriod } from '../../src/modules/admin/operator-reports.js';
import { updateCampaign, type Campaign } from '../../src/modules/campaigns/campaigns.js';
import { campaignStats, spendByCampaign } from '../../src/modules/earnings/campaign-stats.js';
import { requestWithdrawal, transitionWithdrawal } from '../../src/modules/withdrawals/withdrawals.js';
import { withdrawalCountsByStatus } from '../../src/modules/withdrawals/withdrawal-counts.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { loadDemoData } from '../../src/modules/demo/demo-data.js';
import { verifyDailyStats } from '../../src/modules/earnings/daily-stats.js';
import { addCampaign, addPartner, click, countRows, earn, ledgerProblems, linkCode, operator } from '../support/fixtures.js';
import { testConfig } from '../support/test-app.js';

const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const config = testConfig();
// A Wednesday: its week began on Monday 8 June, its month on 1 June.
const now = new Date('2026-06-10T10:00:00Z');
const at = (iso: string) => new Date(iso);

describe('reporting periods (UTC)', () => {
  it('counts the last days with today, the month from the 1st, the week from Monday', () => {
    expect(lastDays(now, 7)).toEqual({ from: at('2026-06-04T00:00:00Z'), until: at('2026-06-11T00:00:00Z') });
    expect(monthOf(now)).toEqual({ from: at('2026-06-01T00:00:00Z'), until: at('2026-07-01T00:00:00Z') });
    expect(monthOf(at('2026-12-31T23:59:59Z'))).toEqual({ from: at('2026-12-01T00:00:00Z'), until: at('2027-01-01T00:00:00Z') });
    expect(weekOf(now)).toEqual({ from: at('2026-06-08T00:00:00Z'), until: at('2026-06-15T00:00:00Z') });
    expect(weekOf(at('2026-06-14T23:59:59Z')).from).toEqual(at('2026-06-08T00:00:00Z'));
    expect(weekOf(at('2026-06-08T00:00:00Z')).from).toEqual(at('2026-06-08T00:00:00Z'));
    expect(parseReportPeriod('7')).toBe(7);
    expect(parseReportPeriod('90')).toBe(90);
    expect(parseReportPeriod('365')).toBe(30);
    expect(parseReportPeriod(undefined)).toBe(30);
  });
});

describe.each(ENGINES)('operator reports on %s', (engine) => {
  let database: TestDatabase;
  let boxes: Campaign;
  let yoga: Campaign;
  let lina: string;
  let max: string;
  let sofia: string;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    const db = database.db;
    boxes = await addCampaign(db, '0.12', 'Boxes');
    yoga = await addCampaign(db, '0.07', 'Yoga');
    lina = await addPartner(db, 'lina@example.com', { createdAt: at('2026-05-01T00:00:00Z') });
    max = await addPartner(db, 'max@example.com', { createdAt: at('2026-06-07T23:59:59Z') });
    sofia = await addPartner(db, 'sofia@example.com', { createdAt: at('2026-06-08T00:00:00Z') });
    await addPartner(db, 'new@example.com', { createdAt: at('2026-06-10T09:00:00Z') });
    await addPartner(db, 'next-week@example.com', { createdAt: at('2026-06-15T00:00:00Z') });
    // An operator who signed in this week is not a new partner.
    await db.insert(partners).values({ email: 'ops@example.com', role: 'admin', createdAt: at('2026-06-09T00:00:00Z') });

    const clicks = async (partner: string, campaign: Campaign, n: number, when: string, options: { userAgent?: string; signedIn?: string; address?: string } = {}) => {
      const code = await linkCode(db, partner, campaign.id);
      for (let i = 0; i < n; i++) await click(db, code, { now: at(when), ...options });
    };
    // Boxes at 0,12 €.
    await clicks(lina, boxes, 3, '2026-05-31T23:59:59Z'); // last month; in the 30 days
    await clicks(lina, boxes, 2, '2026-06-01T00:00:00Z'); // first instant of the month
    await clicks(lina, boxes, 1, '2026-06-03T23:59:59Z'); // in the month and 30 days, not the 7 days
    await clicks(max, boxes, 4, '2026-06-04T00:00:00Z'); // first instant of the 7 days
    await clicks(max, boxes, 1, '2026-06-09T12:00:00Z', { userAgent: BOT_UA });
    await clicks(max, boxes, 1, '2026-06-09T12:00:00Z', { signedIn: max });
    await clicks(lina, boxes, 2, '2026-06-09T08:00:00Z', { address: '198.51.100.7:1' }); // one valid, one duplicate
    // The rate changes: earlier clicks keep the rate of their moment.
    await updateCampaign(db, boxes.id, { name: 'Boxes', targetUrl: boxes.targetUrl, ratePerClickEur: '0.15' }, operator);
    await clicks(lina, boxes, 2, '2026-06-10T09:00:00Z');
    await clicks(sofia, boxes, 1, '2026-06-10T09:30:00Z');
    // Yoga at 0,07 €.
    await clicks(sofia, yoga, 5, '2026-06-10T08:00:00Z');
    await clicks(sofia, yoga, 1, '2026-06-10T08:00:00Z', { userAgent: BOT_UA });
    await clicks(lina, yoga, 2, '2026-06-02T12:00:00Z');
    await clicks(sofia, yoga, 1, '2026-07-01T00:00:00Z'); // next month
  });
  afterAll(async () => database?.close());

  it('gives this month’s clicks and spend per campaign, to the cent, at the rate of each click', async () => {
    const month = await spendByCampaign(database.db, monthOf(now));
    // Lina 4 × 0,12 + 2 × 0,15, Max 4 × 0,12, Sofia 1 × 0,15; May's 3 clicks and the refused ones earn nothing here.
    expect(month.get(boxes.id)).toEqual({ clicks: 14, validClicks: 11, spendCents: 141 });
    expect(month.get(yoga.id)).toEqual({ clicks: 8, validClicks: 7, spendCents: 49 });
    expect(month.size).toBe(2);
  });

  it('agrees with the partners’ earnings (the daily summary) over any whole days', async () => {
    const everything = await spendByCampaign(database.db, { from: at('2020-01-01T00:00:00Z'), until: at('2030-01-01T00:00:00Z') });
    const june = await spendByCampaign(database.db, monthOf(now));
    const [earned] = await queryRows<{ all: number; june: number }>(
      database.db,
      sql`select sum(earned_cents)::int8 as all, (sum(earned_cents) filter (where day between '2026-06-01' and '2026-06-30'))::int8 as june from partner_daily_stats`,
    );
    const sum = (totals: Map<string, { spendCents: number }>) => [...totals.values()].reduce((s, t) => s + t.spendCents, 0);
    expect(sum(everything)).toBe(earned!.all);
    expect(sum(june)).toBe(earned!.june);
    expect(earned!.june).toBe(190);
  });

  it('shows the overview: today’s clicks, the month’s spend, the week’s new partners, and requests waiting', async () => {
    const overview = await operatorOverview(database.db, now);
    expect(overview.today).toEqual({ day: '2026-06-10', clicks: 9, validClicks: 8 });
    expect(overview.spend.map((row) => [row.campaign.name, row.clicks, row.validClicks, row.spendCents])).toEqual([
      ['Boxes', 14, 11, 141],
      ['Yoga', 8, 7, 49],
    ]);
    expect(overview.spendTotal).toEqual({ clicks: 22, validClicks: 18, spendCents: 190 });
    expect(overview.joinedThisWeek).toBe(2); // sofia (Monday 00:00) and new; not max (Sunday), next-week, nor the operator
    expect(overview.withdrawals.requested).toEqual({ count: 0, totalCents: 0 });
    // The day before: other "today", other week (max joined on its Sunday).
    const sunday = await operatorOverview(database.db, at('2026-06-07T23:59:59Z'));
    expect(sunday.joinedThisWeek).toBe(1);
    expect(sunday.today).toEqual({ day: '2026-06-07', clicks: 0, validClicks: 0 });
  });

  it('reports one campaign over 7 and 30 days: clicks, reasons, spend, EPC, top partners, each day', async () => {
    const week = await campaignReport(database.db, boxes.id, 7, now);
    expect(week.window).toEqual(lastDays(now, 7));
    expect({ clicks: week.clicks, validClicks: week.validClicks, spendCents: week.spendCents }).toEqual({ clicks: 11, validClicks: 8, spendCents: 105 });
    expect(week.notCounted).toEqual({ bot: 1, duplicate: 1, self: 1, over_cap: 0, inactive: 0, suspended: 0, not_navigation: 0 });
    expect(week.epcCents).toBe(13); // 105 / 8 = 13,125
    expect(week.topPartners).toEqual([
      { partnerId: max, email: 'max@example.com', validClicks: 4, spendCents: 48 },
      { partnerId: lina, email: 'lina@example.com', validClicks: 3, spendCents: 42 },
      { partnerId: sofia, email: 'sofia@example.com', validClicks: 1, spendCents: 15 },
    ]);
    expect(week.days).toEqual([
      { day: '2026-06-04', clicks: 4, validClicks: 4, spendCents: 48 },
      { day: '2026-06-09', clicks: 4, validClicks: 1, spendCents: 12 },
      { day: '2026-06-10', clicks: 3, validClicks: 3, spendCents: 45 },
    ]);

    const month = await campaignReport(database.db, boxes.id, 30, now);
    expect({ clicks: month.clicks, validClicks: month.validClicks, spendCents: month.spendCents }).toEqual({ clicks: 17, validClicks: 14, spendCents: 177 });
    expect(month.days[0]).toEqual({ day: '2026-05-31', clicks: 3, validClicks: 3, spendCents: 36 });
    expect(month.topPartners[0]).toEqual({ partnerId: lina, email: 'lina@example.com', validClicks: 9, spendCents: 114 });
  });

  it('shows a campaign only its own clicks', async () => {
    const yogaWeek = await campaignReport(database.db, yoga.id, 7, now);
    expect({ clicks: yogaWeek.clicks, validClicks: yogaWeek.validClicks, spendCents: yogaWeek.spendCents, epcCents: yogaWeek.epcCents }).toEqual({ clicks: 6, validClicks: 5, spendCents: 35, epcCents: 7 });
    expect(yogaWeek.topPartners.map((row) => row.partnerId)).toEqual([sofia]);
    const quiet = await addCampaign(database.db, '0.10', 'Quiet');
    const none = await campaignStats(database.db, quiet.id, lastDays(now, 90));
    expect(none).toMatchObject({ clicks: 0, validClicks: 0, spendCents: 0, days: [] });
    expect((await campaignReport(database.db, quiet.id, 90, now)).epcCents).toBeNull();
  });

  it('counts withdrawal requests and their sum by state in one query', async () => {
    const rich = await addPartner(database.db, 'rich@example.com');
    await earn(database.db, rich, 10, '10');
    const first = await requestWithdrawal(database.db, config, rich, { amount: '12.50', method: 'paypal', details: 'rich@example.com' }, null);
    await requestWithdrawal(database.db, config, rich, { amount: '20.01', method: 'paypal', details: 'rich@example.com' }, null);
    const third = await requestWithdrawal(database.db, config, rich, { amount: '10', method: 'paypal', details: 'rich@example.com' }, null);
    await transitionWithdrawal(database.db, first.withdrawal.id, 'approve', operator);
    await transitionWithdrawal(database.db, third.withdrawal.id, 'reject', operator, { reason: 'test' });
    expect(await withdrawalCountsByStatus(database.db)).toEqual({
      requested: { count: 1, totalCents: 2001 },
      approved: { count: 1, totalCents: 1250 },
      paid: { count: 0, totalCents: 0 },
      rejected: { count: 1, totalCents: 1000 },
    });
    expect((await operatorOverview(database.db, now)).withdrawals.requested).toEqual({ count: 1, totalCents: 2001 });
  });

  it('loads demo data whose overview is not empty and that obeys the ledger’s rules', async () => {
    const demo = await createTestDatabase(engine);
    try {
      await loadDemoData(demo.db, now, config);
      expect(await ledgerProblems(demo.db)).toEqual([]);
      expect(await verifyDailyStats(demo.db)).toEqual([]);
      // Nobody clicks before joining (the newcomers joined hours and days ago).
      expect(await countRows(demo.db, sql`metric_events e join partners p on p.id = e.partner_id where e.occurred_at < p.created_at`)).toBe(0);
      const overview = await operatorOverview(demo.db, now);
      expect(overview.withdrawals.requested.count).toBeGreaterThan(0);
      expect(overview.withdrawals.approved.count).toBe(1);
      expect(overview.joinedThisWeek).toBe(1); // on a Wednesday: joined 2 hours ago; 3 days ago was last week's Sunday
      expect(overview.today.validClicks).toBeGreaterThan(0);
      expect(overview.spendTotal.spendCents).toBeGreaterThan(0);
    } finally {
      await demo.close();
    }
  });
});
