import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { verifyDailyStats } from '../../src/modules/earnings/daily-stats.js';
import { emptyFigures, partnerLinkStats, type LinkFigures } from '../../src/modules/earnings/link-stats.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, click, linkCode } from '../support/fixtures.js';

const DAY = 86_400_000;

describe.each(ENGINES)('figures per tracked link on %s', (engine) => {
  let database: TestDatabase;
  // Mid-morning UTC: "today" started 10 hours ago.
  const now = new Date('2026-06-15T10:00:00Z');
  const midnight = new Date('2026-06-15T00:00:00Z');
  const ago = (days: number, ms = 0) => new Date(midnight.getTime() - days * DAY + ms);
  let lina: string;
  let other: string;
  let boxId: string;
  let appId: string;
  let linaBox: string;
  let linaApp: string;
  let otherBox: string;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    const db = database.db;
    const box = await addCampaign(db, '0.12', 'Box');
    const app = await addCampaign(db, '0.07', 'Appli');
    boxId = box.id;
    appId = app.id;
    lina = await addPartner(db, 'lina@example.com');
    other = await addPartner(db, 'other@example.com');
    linaBox = await linkCode(db, lina, box.id);
    linaApp = await linkCode(db, lina, app.id);
    otherBox = await linkCode(db, other, box.id);

    // Box, today: two valid clicks and a bot this morning, one valid at midnight sharp.
    await click(db, linaBox, { now: new Date(now.getTime() - 60_000) });
    await click(db, linaBox, { now: new Date(now.getTime() - 120_000) });
    await click(db, linaBox, { now, userAgent: 'facebookexternalhit/1.1' });
    await click(db, linaBox, { now: midnight });
    // Within 7 days but not today: the last millisecond of yesterday, and 6 days ago at midnight.
    await click(db, linaBox, { now: ago(0, -1) });
    await click(db, linaBox, { now: ago(6) });
    // Within 30 days but not 7: the last moment of the 8th day back, and its repeat by the same visitor.
    await click(db, linaBox, { now: ago(7, -1), address: '198.51.100.7' });
    await click(db, linaBox, { now: ago(7, -1), address: '198.51.100.7' });
    await click(db, linaBox, { now: ago(29) });
    // Outside 30 days: a valid click and a bot the day before the window opens.
    await click(db, linaBox, { now: ago(29, -1) });
    await click(db, linaBox, { now: ago(29, -1), userAgent: 'facebookexternalhit/1.1' });

    // Appli: one valid today, her own click today, a load by an image 10 days ago.
    await click(db, linaApp, { now });
    await click(db, linaApp, { now, signedIn: lina });
    await click(db, linaApp, { now: ago(10), notNavigation: true });

    // Another partner's clicks on the same campaign.
    for (let i = 0; i < 3; i++) await click(db, otherBox, { now });
  });
  afterAll(async () => database?.close());

  function expected(periods: LinkFigures['periods'], notCounted: Partial<LinkFigures['notCounted']>): LinkFigures {
    return { periods, notCounted: { ...emptyFigures().notCounted, ...notCounted } };
  }

  it('counts each link’s clicks, valid clicks and euros for today, 7 and 30 days, with the not-counted by reason', async () => {
    const stats = await partnerLinkStats(database.db, lina, { now });
    expect([...stats.byLink.keys()].sort()).toEqual([linaApp, linaBox].sort());
    expect(stats.byLink.get(linaBox)).toEqual(
      expected(
        {
          today: { clicks: 4, validClicks: 3, earnedCents: 36 },
          week: { clicks: 6, validClicks: 5, earnedCents: 60 },
          month: { clicks: 9, validClicks: 7, earnedCents: 84 },
        },
        { bot: 1, duplicate: 1 },
      ),
    );
    expect(stats.byLink.get(linaApp)).toEqual(
      expected(
        {
          today: { clicks: 2, validClicks: 1, earnedCents: 7 },
          week: { clicks: 2, validClicks: 1, earnedCents: 7 },
          month: { clicks: 3, validClicks: 1, earnedCents: 7 },
        },
        { self: 1, not_navigation: 1 },
      ),
    );
  });

  it('gives each campaign the figures of the partner’s links of it', async () => {
    const stats = await partnerLinkStats(database.db, lina, { now });
    expect(stats.byCampaign.get(boxId)).toEqual(stats.byLink.get(linaBox));
    expect(stats.byCampaign.get(appId)).toEqual(stats.byLink.get(linaApp));
  });

  it('shows a partner only their own links', async () => {
    const mine = await partnerLinkStats(database.db, other, { now });
    expect([...mine.byLink.keys()]).toEqual([otherBox]);
    expect(mine.byLink.get(otherBox)!.periods.today).toEqual({ clicks: 3, validClicks: 3, earnedCents: 36 });
    expect([...mine.byCampaign.keys()]).toEqual([boxId]);
    expect((await partnerLinkStats(database.db, lina, { now })).byLink.has(otherBox)).toBe(false);
  });

  it('agrees with the daily summary the earnings page reads, day for day', async () => {
    expect(await verifyDailyStats(database.db)).toEqual([]);
    const stats = await partnerLinkStats(database.db, lina, { now });
    for (const [period, firstDay] of [['today', '2026-06-15'], ['week', '2026-06-09'], ['month', '2026-05-17']] as const) {
      const [summary] = await queryRows<{ valid: number; earned: number }>(
        database.db,
        sql`select coalesce(sum(valid_clicks), 0)::int8 as valid, coalesce(sum(earned_cents), 0)::int8 as earned
              from partner_daily_stats where partner_id = ${lina} and day >= ${firstDay}::date`,
      );
      const links = [...stats.byLink.values()];
      expect(links.reduce((sum, link) => sum + link.periods[period].validClicks, 0), period).toBe(summary!.valid);
      expect(links.reduce((sum, link) => sum + link.periods[period].earnedCents, 0), period).toBe(summary!.earned);
    }
  });

  it('moves with the day: tomorrow, today’s clicks count for 7 days but not for today', async () => {
    const tomorrow = await partnerLinkStats(database.db, lina, { now: new Date(now.getTime() + DAY) });
    expect(tomorrow.byLink.get(linaBox)!.periods.today).toEqual({ clicks: 0, validClicks: 0, earnedCents: 0 });
    expect(tomorrow.byLink.get(linaBox)!.periods.week.validClicks).toBe(4);
  });

  it('has no entry for a partner without clicks', async () => {
    const fresh = await addPartner(database.db, 'fresh@example.com');
    const stats = await partnerLinkStats(database.db, fresh, { now });
    expect(stats.byLink.size).toBe(0);
    expect(stats.byCampaign.size).toBe(0);
  });
});
