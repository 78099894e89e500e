import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { leaderboard, RANKING_MAX_STALE_MS, RANKING_TTL_MS } from '../../src/modules/earnings/leaderboard.js';
import { setPartnerStatus } from '../../src/modules/partners/partners.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, click, linkCode, operator } from '../support/fixtures.js';

describe.each(ENGINES)('leaderboard on %s', (engine) => {
  let database: TestDatabase;
  const ids: Record<string, string> = {};
  const now = new Date('2026-06-15T12:00:00Z');
  const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    const db = database.db;
    const campaign = await addCampaign(db);
    // 24 partners: p0 has 25 clicks, p1 24, … ; p22 and p23 tie with p21 on 3 clicks.
    for (let i = 0; i < 24; i++) {
      const email = i === 0 ? 'a@tiny.example' : `partner${String(i).padStart(2, '0')}@example.com`;
      ids[`p${i}`] = await addPartner(db, email, { createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)), pseudonym: i === 1 ? '<script>alert(1)</script>' : undefined });
      const code = await linkCode(db, ids[`p${i}`]!, campaign.id);
      const count = Math.max(25 - i, 3);
      for (let c = 0; c < count; c++) await click(db, code, { now: daysAgo(c % 5) });
    }
    // Old clicks count for 90 days, not for 7.
    const code = await linkCode(db, ids['p23']!, campaign.id);
    for (let c = 0; c < 40; c++) await click(db, code, { now: daysAgo(30) });
  });
  afterAll(async () => database?.close());

  it('ranks the top 20 by valid clicks over the period, ties by earlier sign-up', async () => {
    const board = await leaderboard(database.db, 7, { now });
    expect(board.top).toHaveLength(20);
    expect(board.top.map((r) => r.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(board.top[0]).toEqual({ rank: 1, label: 'a…@tiny.example', clicks: 25, isMe: false });
    expect(board.top[1]!.label).toBe('<script>alert(1)</script>');
    expect(board.top[2]!.label).toBe('pa…2@example.com');
    const clicks = board.top.map((r) => r.clicks);
    expect([...clicks].sort((a, b) => b - a)).toEqual(clicks);
    expect(board.me).toBeNull();
  });

  it('uses a longer period when asked (90 days include older clicks)', async () => {
    const board = await leaderboard(database.db, 90, { now });
    expect(board.top[0]!.clicks).toBe(43);
    expect(board.top[0]!.label).toBe('pa…3@example.com');
  });

  it('gives a signed-in partner their own rank outside the top 20', async () => {
    const board = await leaderboard(database.db, 7, { now, partnerId: ids['p23'] });
    expect(board.me).toEqual({ rank: 24, label: 'pa…3@example.com', clicks: 3, isMe: true });
    expect(board.top).toHaveLength(20);
    const inside = await leaderboard(database.db, 7, { now, partnerId: ids['p0'] });
    expect(inside.me?.rank).toBe(1);
    expect(inside.top[0]!.isMe).toBe(true);
  });

  it('serves a cached ranking for a while, and a fresh one on demand', async () => {
    const cached = await leaderboard(database.db, 7, { now });
    const campaign = await addCampaign(database.db);
    const code = await linkCode(database.db, ids['p23']!, campaign.id);
    for (let c = 0; c < 30; c++) await click(database.db, code, { now });
    expect((await leaderboard(database.db, 7, { now })).top).toEqual(cached.top);
    const fresh = await leaderboard(database.db, 7, { now, fresh: true });
    expect(fresh.top[0]).toMatchObject({ label: 'pa…3@example.com', clicks: 33 });
  });

  it('serves the previous ranking while one refresh runs, and makes a reader wait only when it is too old', async () => {
    const before = await leaderboard(database.db, 7, { now, fresh: true });
    const campaign = await addCampaign(database.db);
    const code = await linkCode(database.db, ids['p22']!, campaign.id);
    for (let c = 0; c < 40; c++) await click(database.db, code, { now });
    // Past the TTL: the reader gets the previous ranking at once, and a refresh starts behind it.
    const later = new Date(now.getTime() + RANKING_TTL_MS + 1);
    expect((await leaderboard(database.db, 7, { now: later })).top).toEqual(before.top);
    await vi.waitFor(async () => expect((await leaderboard(database.db, 7, { now: later })).top[0]).toMatchObject({ label: 'pa…2@example.com', clicks: 43 }));
    // Unread for longer than RANKING_MAX_STALE_MS: the reader waits for a fresh ranking.
    for (let c = 0; c < 10; c++) await click(database.db, code, { now });
    const muchLater = new Date(later.getTime() + RANKING_MAX_STALE_MS + 1);
    expect((await leaderboard(database.db, 7, { now: muchLater })).top[0]).toMatchObject({ label: 'pa…2@example.com', clicks: 53 });
  });

  it('leaves suspended partners out and ranks nobody without clicks', async () => {
    await setPartnerStatus(database.db, ids['p0']!, 'suspended', operator, 'fraud check');
    const board = await leaderboard(database.db, 7, { now });
    expect(board.top.map((r) => r.label)).not.toContain('a…@tiny.example');
    await setPartnerStatus(database.db, ids['p0']!, 'active', operator);
    const idle = await addPartner(database.db, 'idle@example.com');
    expect((await leaderboard(database.db, 7, { now, partnerId: idle })).me).toBeNull();
    const json = JSON.stringify(await leaderboard(database.db, 90, { now }));
    for (const id of Object.values(ids)) expect(json).not.toContain(id);
  });
});
