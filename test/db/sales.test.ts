/**
 * Sales, refunds and the balance on both engines: a sale attributed to its click earns the
 * campaign's share and fixed amount, held until the holding period ends, then confirmed and
 * withdrawable; why a sale earns nothing (no click, a bot's, the partner's own, too old); each bad
 * input refused with nothing written; the same order once however many report it at once, and
 * another amount for it a conflict; refunds pro rata during the hold, a negative adjustment after,
 * never more than the sale, an unknown order refused; a balance below zero stops withdrawals.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Db } from '../../src/db/client.js';
import { partnerBalance } from '../../src/modules/earnings/balance.js';
import { addAdjustment } from '../../src/modules/sales/adjustments.js';
import { recordRefund, recordSale, type SalesDeps } from '../../src/modules/sales/sales.js';
import { requestWithdrawal } from '../../src/modules/withdrawals/withdrawals.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, click, countRows, linkCode, operator, refusal } from '../support/fixtures.js';
import { testConfig } from '../support/test-app.js';

const config = testConfig();
const DAY = 86_400_000;

describe.each(ENGINES)('sales on %s', (engine) => {
  let database: TestDatabase;
  /** The clicks' ids, as the redirect's click ids name them (clicks/click-id.ts reads the real ones). */
  const deps: SalesDeps = { parseClickId: (text) => (/^\d{1,15}$/.test(text) ? Number(text) : null) };

  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.close();
  });

  /** A campaign paying `percent` % and `fixed` cents per sale, a partner, and the id of a valid click of theirs. */
  async function setUp(name: string, terms: { bp?: number; fixed?: number; holdingDays?: number; attributionDays?: number } = {}) {
    const db = database.db;
    const campaign = await addCampaign(db, '0.10', `Boutique ${name}`);
    await db.execute(sql`update campaigns set commission_bp = ${terms.bp ?? 1000}, commission_fixed_cents = ${terms.fixed ?? 50},
                         holding_days = ${terms.holdingDays ?? 30}, attribution_days = ${terms.attributionDays ?? 30} where id = ${campaign.id}`);
    const partner = await addPartner(db, `${name}-${engine}@example.com`);
    const code = await linkCode(db, partner, campaign.id);
    const clickId = async (options: Parameters<typeof click>[2] = {}) => {
      await click(db, code, options);
      const [row] = await queryRows<{ id: number }>(db, sql`select max(id)::int8 as id from metric_events where link_code = ${code}`);
      return String(row!.id);
    };
    return { db, campaign, partner, clickId };
  }

  const balance = (db: Db, partnerId: string, now = new Date()) => partnerBalance(db, partnerId, { fallbackEpcCents: 0, now });

  it('holds an attributed sale’s commission for the holding period, then it is earned and withdrawable', async () => {
    const { db, campaign, partner, clickId } = await setUp('held');
    const id = await clickId();
    const { sale, replayed } = await recordSale(db, deps, campaign.id, 'api', { orderId: 'A-1', amount: '49.90', currency: 'EUR', clickId: id });
    expect(replayed).toBe(false);
    // 10 % of 49,90 € is 4,99 €, plus 0,50 € a sale.
    expect(sale).toMatchObject({ attribution: 'attributed', partnerId: partner, commissionCents: 549, amountCents: 4990 });
    expect(sale.holdUntil!.getTime() - sale.soldAt.getTime()).toBe(30 * DAY);
    const now = await balance(db, partner);
    expect(now).toMatchObject({ clickCents: 10, commissionCents: 0, heldCents: 549, earnedCents: 10, availableCents: 10 });
    const later = await balance(db, partner, new Date(sale.holdUntil!.getTime() + 1000));
    expect(later).toMatchObject({ commissionCents: 549, heldCents: 0, earnedCents: 559, availableCents: 559 });
  });

  it('records why a sale earns nothing: no click, a bot’s click, the partner’s own, a click too old', async () => {
    const { db, campaign, partner, clickId } = await setUp('reasons', { attributionDays: 7 });
    const none = await recordSale(db, deps, campaign.id, 'api', { orderId: 'R-0', amount: 10, currency: 'eur' });
    expect(none.sale).toMatchObject({ attribution: 'no_click', commissionCents: 0, partnerId: null });
    const bot = await recordSale(db, deps, campaign.id, 'api', { orderId: 'R-1', amount: 10, currency: 'EUR', clickId: await clickId({ userAgent: 'Googlebot/2.1' }) });
    expect(bot.sale).toMatchObject({ attribution: 'invalid_click', clickVerdict: 'bot', commissionCents: 0 });
    const own = await recordSale(db, deps, campaign.id, 'api', { orderId: 'R-2', amount: 10, currency: 'EUR', clickId: await clickId({ signedIn: partner }) });
    expect(own.sale).toMatchObject({ attribution: 'own_click', commissionCents: 0 });
    const old = await clickId({ now: new Date(Date.now() - 8 * DAY) });
    const late = await recordSale(db, deps, campaign.id, 'api', { orderId: 'R-3', amount: 10, currency: 'EUR', clickId: old });
    expect(late.sale).toMatchObject({ attribution: 'outside_window', commissionCents: 0 });
    expect((await balance(db, partner)).heldCents).toBe(0);
  });

  it('refuses every bad input and writes nothing', async () => {
    const { db, campaign, clickId } = await setUp('refusals');
    const other = await setUp('refusals-other');
    const id = await clickId();
    const good = { orderId: 'B-1', amount: '19.99', currency: 'EUR', clickId: id };
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ amount: 'NaN' }, 'amount', 'sale.error.amount'],
      [{ amount: Number.NaN }, 'amount', 'sale.error.amount'],
      [{ amount: '-5' }, 'amount', 'sale.error.amount'],
      [{ amount: 0 }, 'amount', 'sale.error.amountZero'],
      [{ amount: '1.234' }, 'amount', 'sale.error.amount'],
      [{ amount: 1e21 }, 'amount', 'sale.error.amount'],
      [{ amount: '999999999999' }, 'amount', 'sale.error.amountTooLarge'],
      [{ amount: undefined }, 'amount', 'sale.error.amount'],
      [{ currency: 'USD' }, 'currency', 'sale.error.currency'],
      [{ currency: undefined }, 'currency', 'sale.error.currency'],
      [{ orderId: '' }, 'orderId', 'sale.error.orderId'],
      [{ orderId: 'x'.repeat(201) }, 'orderId', 'sale.error.orderId'],
      [{ clickId: 'forged' }, 'clickId', 'sale.error.clickUnknown'],
      [{ clickId: '999999999' }, 'clickId', 'sale.error.clickUnknown'],
      [{ clickId: await other.clickId() }, 'clickId', 'sale.error.clickForeign'],
      [{ soldAt: 'hier' }, 'soldAt', 'sale.error.soldAt'],
      [{ soldAt: new Date(Date.now() + 3 * DAY).toISOString() }, 'soldAt', 'sale.error.soldAt'],
    ];
    for (const [change, field, key] of cases) {
      const error = await refusal(recordSale(db, deps, campaign.id, 'api', { ...good, ...change }));
      expect([error.field, error.messageKey], JSON.stringify(change)).toEqual([field, key]);
    }
    expect((await refusal(recordSale(db, deps, '00000000-0000-4000-8000-000000000000', 'api', good))).status).toBe(404);
    expect(await countRows(db, sql`sales where campaign_id = ${campaign.id}`)).toBe(0);
  });

  it('records an order once however many report it at once; another amount for it is a conflict', async () => {
    const { db, campaign, partner, clickId } = await setUp('once');
    const input = { orderId: 'C-1', amount: '120.00', currency: 'EUR', clickId: await clickId() };
    const results = await Promise.all(Array.from({ length: 50 }, () => recordSale(db, deps, campaign.id, 'api', input)));
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    expect(new Set(results.map((result) => result.sale.id)).size).toBe(1);
    expect(await countRows(db, sql`sales where campaign_id = ${campaign.id}`)).toBe(1);
    const conflict = await refusal(recordSale(db, deps, campaign.id, 'api', { ...input, amount: '121.00' }));
    expect([conflict.status, conflict.code]).toEqual([409, 'order_conflict']);
    expect((await balance(db, partner)).heldCents).toBe(1250);
  });

  it('cancels a refunded share during the hold, takes it back as an adjustment after, never past the sale', async () => {
    const { db, campaign, partner, clickId } = await setUp('refunds', { bp: 1000, fixed: 0, holdingDays: 10 });
    const { sale } = await recordSale(db, deps, campaign.id, 'api', { orderId: 'D-1', amount: '100.00', currency: 'EUR', clickId: await clickId() });
    expect(sale.commissionCents).toBe(1000);
    // A third, then the rest during the hold: the whole commission is cancelled, to the cent.
    const third = await recordRefund(db, {}, campaign.id, { orderId: 'D-1', refundId: 're_1', amount: '33.33', currency: 'EUR' });
    expect(third).toMatchObject({ commissionCents: 333, afterConfirmation: false });
    expect((await recordRefund(db, {}, campaign.id, { orderId: 'D-1', refundId: 're_1', amount: '33.33', currency: 'EUR' })).replayed).toBe(true);
    expect((await refusal(recordRefund(db, {}, campaign.id, { orderId: 'D-1', refundId: 're_2', amount: '66.68', currency: 'EUR' }))).messageKey).toBe('sale.error.refundTooLarge');
    const rest = await recordRefund(db, {}, campaign.id, { orderId: 'D-1', refundId: 're_2', amount: '66.67', currency: 'EUR' });
    expect(rest.commissionCents).toBe(667);
    expect(rest.sale).toMatchObject({ refundedCents: 10000, reversedCents: 1000 });
    expect((await balance(db, partner)).heldCents).toBe(0);
    expect((await refusal(recordRefund(db, {}, campaign.id, { orderId: 'nope', refundId: 're_3', amount: '1', currency: 'EUR' }))).code).toBe('unknown_order');
    expect((await refusal(recordRefund(db, {}, campaign.id, { orderId: 'D-1', refundId: 're_9', amount: '1', currency: 'GBP' }))).field).toBe('currency');

    // After confirmation a refund is a negative adjustment: the balance may go below zero, and nothing can be withdrawn.
    const { sale: big } = await recordSale(db, deps, campaign.id, 'api', { orderId: 'D-2', amount: '500.00', currency: 'EUR', clickId: await clickId({ now: new Date(Date.now() - 12 * DAY) }), soldAt: new Date(Date.now() - 11 * DAY).toISOString() });
    expect((await balance(db, partner)).commissionCents).toBe(5000);
    const refunded = await recordRefund(db, {}, campaign.id, { orderId: 'D-2', refundId: 're_big', amount: '500.00', currency: 'EUR' });
    expect(refunded).toMatchObject({ commissionCents: 5000, afterConfirmation: true });
    expect(big.reversedCents).toBe(0);
    expect(await countRows(db, sql`adjustments where partner_id = ${partner} and kind = 'refund' and amount_cents = -5000`)).toBe(1);
    const after = await balance(db, partner);
    expect(after).toMatchObject({ commissionCents: 5000, adjustmentCents: -5000 });
    expect(after.earnedCents).toBe(after.clickCents);
  });

  it('refuses any withdrawal while the balance is below zero', async () => {
    const { db, campaign, partner, clickId } = await setUp('negative', { bp: 10000, fixed: 0, holdingDays: 0 });
    await recordSale(db, deps, campaign.id, 'api', { orderId: 'E-1', amount: '40.00', currency: 'EUR', clickId: await clickId() });
    const withdrawal = await requestWithdrawal(db, config, partner, { amount: '40', method: 'paypal', details: `negative-${engine}@example.com` }, null);
    expect(withdrawal.withdrawal.amountCents).toBe(4000);
    await recordRefund(db, {}, campaign.id, { orderId: 'E-1', refundId: 're_e1', amount: '40.00', currency: 'EUR' });
    const below = await balance(db, partner);
    expect(below.availableCents).toBe(below.clickCents - 4000);
    expect(below.availableCents).toBeLessThan(0);
    expect((await refusal(requestWithdrawal(db, config, partner, { amount: '10', method: 'paypal', details: `negative-${engine}@example.com` }, null))).field).toBe('amount');
  });

  it('lets concurrent refunds of one sale add up in turn, never past its amount', async () => {
    const { db, campaign, clickId } = await setUp('concurrent-refunds', { bp: 1000, fixed: 0 });
    await recordSale(db, deps, campaign.id, 'api', { orderId: 'F-1', amount: '100.00', currency: 'EUR', clickId: await clickId() });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, index) => recordRefund(db, {}, campaign.id, { orderId: 'F-1', refundId: `re_${index}`, amount: '15.00', currency: 'EUR' })));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(6);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect((outcome.reason as { messageKey: string }).messageKey).toBe('sale.error.refundTooLarge');
    const [row] = await queryRows<{ refunded_cents: number; reversed_cents: number; refunds: number }>(
      db,
      sql`select refunded_cents, reversed_cents, (select count(*)::int8 from sale_refunds f where f.sale_id = s.id) as refunds from sales s where campaign_id = ${campaign.id} and order_id = 'F-1'`,
    );
    expect({ refunded: Number(row!.refunded_cents), reversed: Number(row!.reversed_cents), refunds: Number(row!.refunds) }).toEqual({ refunded: 9000, reversed: 900, refunds: 6 });
  });

  it('credits a returning visitor’s purchase, reads a day alone as that day, and takes back a large confirmed commission', async () => {
    const { db, campaign, partner, clickId } = await setUp('returning', { bp: 1000, fixed: 0, holdingDays: 10 });
    const visitor = { address: '198.51.100.7:1000', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15' };
    await clickId(visitor);
    const again = await clickId(visitor);
    const [row] = await queryRows<{ verdict: string }>(db, sql`select verdict from metric_events where id = ${Number(again)}`);
    expect(row!.verdict).toBe('duplicate');
    // The newest click id (the shop keeps the last one) is a duplicate: the purchase earns all the same.
    const { sale } = await recordSale(db, deps, campaign.id, 'api', { orderId: 'G-1', amount: '10.00', currency: 'EUR', clickId: again });
    expect(sale).toMatchObject({ attribution: 'attributed', commissionCents: 100 });
    // A day alone is that day (not its first second, before this morning's click); a time needs its offset.
    const today = new Date().toISOString().slice(0, 10);
    const dayOnly = await recordSale(db, deps, campaign.id, 'api', { orderId: 'G-2', amount: '10.00', currency: 'EUR', clickId: again, soldAt: today });
    expect(dayOnly.sale.attribution).toBe('attributed');
    expect((await refusal(recordSale(db, deps, campaign.id, 'api', { orderId: 'G-3', amount: '10.00', currency: 'EUR', soldAt: `${today}T10:00:00` }))).field).toBe('soldAt');
    const offset = await recordSale(db, deps, campaign.id, 'api', { orderId: 'G-4', amount: '10.00', currency: 'EUR', soldAt: `${today}T00:00:00+0000` });
    expect(offset.sale.soldAt.toISOString()).toBe(`${today}T00:00:00.000Z`);
    // 20 million euros, confirmed, then refunded: two million taken back in one adjustment.
    const old = await clickId({ now: new Date(Date.now() - 12 * DAY) });
    await recordSale(db, deps, campaign.id, 'api', { orderId: 'G-5', amount: '20000000.00', currency: 'EUR', clickId: old, soldAt: new Date(Date.now() - 11 * DAY).toISOString() });
    const refund = await recordRefund(db, {}, campaign.id, { orderId: 'G-5', refundId: 're_big', amount: '20000000.00', currency: 'EUR' });
    expect(refund).toMatchObject({ afterConfirmation: true, commissionCents: 200_000_000 });
    expect((await balance(db, partner)).adjustmentCents).toBe(-200_000_000);
  });

  it('records an adjustment once when its confirmation is submitted twice, even at once', async () => {
    const { db, partner } = await setUp('adjust-once');
    const key = randomUUID();
    const input = { amount: '-12,50', reason: 'Commande annulée hors Stripe', requestKey: key };
    const [first, second] = await Promise.all([addAdjustment(db, partner, input, operator), addAdjustment(db, partner, input, operator)]);
    expect(first.id).toBe(second.id);
    expect(await countRows(db, sql`adjustments where partner_id = ${partner}`)).toBe(1);
    expect(await countRows(db, sql`audit_log where action = 'adjustment_added' and subject = ${`partner:${partner}`}`)).toBe(1);
    // Without a key (the JSON API, a script), each call is its own adjustment.
    await addAdjustment(db, partner, { amount: '1', reason: 'Bonus' }, operator);
    await addAdjustment(db, partner, { amount: '1', reason: 'Bonus' }, operator);
    expect((await balance(db, partner)).adjustmentCents).toBe(-1250 + 200);
  });
});
