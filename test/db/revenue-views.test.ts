/**
 * What the revenue share's pages read, on both engines: a partner's sales with their status
 * (pending until a date, confirmed, refunded in part or in full), what is held and the next day it
 * is released; their adjustments with reasons (an operator's, a refund after confirmation); an
 * operator's view per campaign and per partner with totals and the sales that earned nothing by
 * reason; and addAdjustment: each bad value refused with nothing written, audited, 20 at once all
 * counted on PostgreSQL.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Db } from '../../src/db/client.js';
import { partnerBalance } from '../../src/modules/earnings/balance.js';
import { addAdjustment, parseAdjustmentAmount } from '../../src/modules/sales/adjustments.js';
import { recordRefund, recordSale, type SalesDeps } from '../../src/modules/sales/sales.js';
import { partnerAdjustments, partnerSales, salesOverview } from '../../src/modules/sales/sales-views.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, click, countRows, linkCode, operator, refusal } from '../support/fixtures.js';

const DAY = 86_400_000;

describe.each(ENGINES)('revenue share views on %s', (engine) => {
  let database: TestDatabase;
  const deps: SalesDeps = { parseClickId: (text) => (/^\d{1,15}$/.test(text) ? Number(text) : null) };
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => database?.close());

  async function setUp(name: string, holdingDays = 30) {
    const db = database.db;
    const campaign = await addCampaign(db, '0.10', `Boutique ${name}`);
    await db.execute(sql`update campaigns set commission_bp = 1000, commission_fixed_cents = 0, holding_days = ${holdingDays} where id = ${campaign.id}`);
    const partner = await addPartner(db, `${name}-${engine}@example.com`);
    const code = await linkCode(db, partner, campaign.id);
    const clickId = async (options: Parameters<typeof click>[2] = {}) => {
      await click(db, code, options);
      const [row] = await queryRows<{ id: number }>(db, sql`select max(id)::int8 as id from metric_events where link_code = ${code}`);
      return String(row!.id);
    };
    const sale = (orderId: string, amount: string, clickRef: string | undefined, soldAt?: Date) =>
      recordSale(db, deps, campaign.id, 'api', { orderId, amount, currency: 'EUR', clickId: clickRef, soldAt: soldAt?.toISOString() });
    return { db, campaign, partner, clickId, sale };
  }

  it('lists a partner’s sales with their status, what is held and the next day it is released', async () => {
    const { db, partner, clickId, sale } = await setUp('statuses');
    const now = new Date();
    const old = await sale('S-1', '100', await clickId({ now: new Date(now.getTime() - 40 * DAY) }), new Date(now.getTime() - 35 * DAY));
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    const recent = await sale('S-2', '50', await clickId({ now: ago(3) }), ago(2));
    const newest = await sale('S-3', '20', await clickId({ now: ago(0.1) }), now);
    const refunded = await sale('S-4', '30', await clickId({ now: ago(1.5) }), ago(1));
    await recordRefund(db, {}, recent.sale.campaignId, { orderId: 'S-2', refundId: 'R-2', amount: '10', currency: 'EUR' });
    await recordRefund(db, {}, recent.sale.campaignId, { orderId: 'S-4', refundId: 'R-4', amount: '30', currency: 'EUR' });
    const read = await partnerSales(db, partner, { now });
    expect(read.sales.map((row) => row.orderId)).toEqual(['S-3', 'S-4', 'S-2', 'S-1']);
    const byOrder = new Map(read.sales.map((row) => [row.orderId, row]));
    expect(byOrder.get('S-1')).toMatchObject({ status: 'confirmed', commissionCents: 1000, partlyRefunded: false, campaignName: 'Boutique statuses' });
    // 10 € of 50 € refunded during the hold: a fifth of the 5 € commission cancelled.
    expect(byOrder.get('S-2')).toMatchObject({ status: 'pending', commissionCents: 400, grossCommissionCents: 500, refundedCents: 1000, partlyRefunded: true });
    expect(byOrder.get('S-4')).toMatchObject({ status: 'refunded', commissionCents: 0, partlyRefunded: false });
    expect(byOrder.get('S-3')!.holdUntil!.getTime()).toBe(newest.sale.holdUntil!.getTime());
    expect(read.count).toBe(4);
    expect(read.heldCents).toBe(400 + 200);
    // The next release is S-2's day, its commission alone.
    expect(read.nextRelease).toEqual({ at: recent.sale.holdUntil, cents: 400 });
    expect(old.sale.attribution).toBe('attributed');
    expect(refunded.sale.partnerId).toBe(partner);
    // The same figure as the balance.
    expect((await partnerBalance(db, partner, { fallbackEpcCents: 0, now })).heldCents).toBe(read.heldCents);
    expect((await partnerSales(db, partner, { now, limit: 2 })).sales).toHaveLength(2);
  });

  it('shows an operator’s adjustment with its reason and a refund after confirmation with its order', async () => {
    const { db, campaign, partner, clickId, sale } = await setUp('adjusted', 0);
    await sale('A-1', '80', await clickId({ now: new Date(Date.now() - 2 * DAY) }), new Date(Date.now() - DAY));
    await recordRefund(db, {}, campaign.id, { orderId: 'A-1', refundId: 'R-A1', amount: '80', currency: 'EUR' });
    await addAdjustment(db, partner, { amount: '12,50', reason: 'Bonus de lancement' }, operator);
    const rows = await partnerAdjustments(db, partner);
    expect(rows.map((row) => [row.kind, row.amountCents])).toEqual([['manual', 1250], ['refund', -800]]);
    expect(rows[0]).toMatchObject({ reason: 'Bonus de lancement', orderId: null });
    expect(rows[1]).toMatchObject({ orderId: 'A-1', campaignName: 'Boutique adjusted' });
  });

  it('gives operators a campaign’s and a partner’s sales, totals, and why the others earned nothing', async () => {
    const { db, campaign, partner, clickId, sale } = await setUp('overview');
    await sale('O-1', '100', await clickId());
    await sale('O-2', '10', undefined);
    await sale('O-3', '20', await clickId({ userAgent: 'Googlebot/2.1' }));
    await sale('O-4', '30', await clickId({ signedIn: partner }));
    await sale('O-5', '40', await clickId({ now: new Date(Date.now() - 40 * DAY) }));
    const overview = await salesOverview(db, { campaignId: campaign.id });
    expect(overview.totals).toEqual({ count: 5, amountCents: 20000, attributed: 1, commissionCents: 1000, heldCents: 1000, refundedCents: 0 });
    expect(overview.refusals.map((group) => [group.attribution, group.verdict, group.count, group.amountCents]).sort()).toEqual(
      [['invalid_click', 'bot', 1, 2000], ['no_click', null, 1, 1000], ['outside_window', null, 1, 4000], ['own_click', 'self', 1, 3000]].sort(),
    );
    expect(overview.sales).toHaveLength(5);
    expect(overview.sales.find((row) => row.orderId === 'O-4')).toMatchObject({ partnerId: partner, attribution: 'own_click', commissionCents: 0 });
    // The partner's view holds what their clicks named, earned or not; not the sale without a click.
    const mine = await salesOverview(db, { partnerId: partner });
    expect(mine.sales.map((row) => row.orderId).sort()).toEqual(['O-1', 'O-3', 'O-4', 'O-5']);
    expect(mine.totals).toMatchObject({ count: 4, attributed: 1, commissionCents: 1000 });
    expect((await salesOverview(db, { campaignId: campaign.id }, { limit: 2 })).sales).toHaveLength(2);
  });

  it('adds an adjustment, audited, and refuses each bad value with nothing written', async () => {
    const db = database.db;
    const partner = await addPartner(db, `adjust-${engine}@example.com`);
    const before = await countRows(db, sql`adjustments`);
    const audits = await countRows(db, sql`audit_log where action = 'adjustment_added'`);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ amount: '0', reason: 'x' }, 'amount'],
      [{ amount: '-0,00', reason: 'x' }, 'amount'],
      [{ amount: 'abc', reason: 'x' }, 'amount'],
      [{ amount: '', reason: 'x' }, 'amount'],
      [{ amount: '1,005', reason: 'x' }, 'amount'],
      [{ amount: '1000000,01', reason: 'x' }, 'amount'],
      [{ amount: '-1000000,01', reason: 'x' }, 'amount'],
      [{ amount: '--5', reason: 'x' }, 'amount'],
      [{ amount: 'NaN', reason: 'x' }, 'amount'],
      [{ amount: '1e3', reason: 'x' }, 'amount'],
      [{ amount: '5', reason: '' }, 'reason'],
      [{ amount: '5', reason: '   ' }, 'reason'],
      [{ amount: '5', reason: 'é'.repeat(501) }, 'reason'],
      [{ amount: '5' }, 'reason'],
    ];
    for (const [input, field] of bad) {
      const error = await refusal(addAdjustment(db, partner, input, operator));
      expect(error.field, JSON.stringify(input)).toBe(field);
      expect(error.messageKey).toBe(field === 'amount' ? 'adjustment.error.amount' : 'adjustment.error.reason');
    }
    expect((await refusal(addAdjustment(db, '00000000-0000-4000-8000-000000000000', { amount: '5', reason: 'x' }, operator))).status).toBe(404);
    expect(await countRows(db, sql`adjustments`)).toBe(before);
    const taken = await addAdjustment(db, partner, { amount: '−1 000 000'.replace(/ /g, ''), reason: ` ${'é'.repeat(500)} ` }, { id: null, label: 'ops' });
    expect(taken).toMatchObject({ amountCents: -100_000_000, kind: 'manual', reason: 'é'.repeat(500) });
    await addAdjustment(db, partner, { amount: '+0,01', reason: 'un centime' }, operator);
    expect(await countRows(db, sql`audit_log where action = 'adjustment_added'`)).toBe(audits + 2);
    const [entry] = await queryRows<{ params: { amountCents: number; reason: string }; partner_id: string }>(db, sql`select params, partner_id from audit_log where action = 'adjustment_added' order by id desc limit 1`);
    expect(entry).toMatchObject({ params: { amountCents: 1, reason: 'un centime' }, partner_id: partner });
    expect((await partnerBalance(db, partner, { fallbackEpcCents: 0 })).availableCents).toBe(-100_000_000 + 1);
    expect(parseAdjustmentAmount(' -12,50 ')).toBe(-1250);
    expect(parseAdjustmentAmount(7.5)).toBe(750);
  });

  if (engine === 'postgres') {
    it('counts 20 adjustments made at once, each once', async () => {
      const db: Db = database.db;
      const partner = await addPartner(db, `concurrent-${engine}@example.com`);
      await Promise.all(Array.from({ length: 20 }, (_, i) => addAdjustment(db, partner, { amount: `${i + 1}`, reason: `Ajustement ${i + 1}` }, operator)));
      expect(await countRows(db, sql`adjustments where partner_id = ${partner}`)).toBe(20);
      expect((await partnerBalance(db, partner, { fallbackEpcCents: 0 })).adjustmentCents).toBe(210 * 100);
      expect(await countRows(db, sql`audit_log where action = 'adjustment_added' and partner_id = ${partner}`)).toBe(20);
      expect(await partnerAdjustments(db, partner)).toHaveLength(20);
    });
  }
});
