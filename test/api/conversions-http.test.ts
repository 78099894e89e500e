/**
 * The conversion API over HTTP on both engines, with a real click: a visitor follows a partner's
 * link, the 302 hands the shop a click id, the shop reports the sale signed with the campaign's
 * key: 201, a retry 200 with the same sale, another amount 409; then refunds. Every bad request is
 * refused with its JSON error and changes nothing: unsigned, badly signed, stale, unknown
 * campaign, malformed JSON, a forged or another campaign's click id, NaN or negative or 3-decimal
 * or absurd amounts, another currency, a refund larger than the sale or of an unknown order.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConversionSecret } from '../../src/modules/sales/conversion-secret.js';
import { signConversion } from '../../src/modules/sales/conversion-api.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, addPartner, BROWSER_UA, countRows, linkCode, operator } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe.each(ENGINES)('the conversion API on %s', (engine) => {
  let t: TestApp;
  let campaignId: string;
  let otherCampaignId: string;
  let secret: string;
  let clickId: string;
  let otherClickId: string;
  const now = () => Math.floor(Date.now() / 1000);

  /** A visitor's click on the partner's link: the click id the shop receives. */
  async function visit(code: string, address: string): Promise<string> {
    const response = await t.app.inject({ url: `/r/${code}`, headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': address } });
    expect(response.statusCode).toBe(302);
    return new URL(response.headers.location as string).searchParams.get('pe_click')!;
  }

  const post = (path: string, body: unknown, options: { campaign?: string; key?: string; at?: number; raw?: string; signature?: string } = {}) => {
    const raw = options.raw ?? JSON.stringify(body);
    return t.app.inject({
      method: 'POST',
      url: path,
      payload: raw,
      headers: {
        'content-type': 'application/json',
        'pe-campaign': options.campaign ?? campaignId,
        'pe-signature': options.signature ?? signConversion(options.key ?? secret, raw, options.at ?? now()),
      },
    });
  };

  beforeAll(async () => {
    t = await createTestApp(engine, {});
    const db = t.database.db;
    const campaign = await addCampaign(db, '0.10', 'Boutique');
    const other = await addCampaign(db, '0.10', 'Autre boutique');
    campaignId = campaign.id;
    otherCampaignId = other.id;
    await db.execute(sql`update campaigns set commission_bp = 800, commission_fixed_cents = 0 where id = ${campaignId}`);
    const partner = await addPartner(db, 'shopper@example.com');
    clickId = await visit(await linkCode(db, partner, campaignId), '203.0.113.10');
    otherClickId = await visit(await linkCode(db, partner, other.id), '203.0.113.11');
    secret = await createConversionSecret(db, t.config, campaignId, operator);
    await createConversionSecret(db, t.config, otherCampaignId, operator);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records a signed sale once: 201, a retry 200 with the same sale, another amount 409', async () => {
    expect(clickId).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{16}$/);
    const sale = { order_id: 'CMD-1', amount: '59.90', currency: 'EUR', click_id: clickId };
    const first = await post('/api/conversions', sale);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ replayed: false, sale: { order_id: 'CMD-1', amount: '59.90', attribution: 'attributed', commission: '4.79' } });
    const again = await post('/api/conversions', sale);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ replayed: true, sale: { id: first.json().sale.id } });
    const conflict = await post('/api/conversions', { ...sale, amount: '60.00' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ error: 'order_conflict' });
    expect(await countRows(t.database.db, sql`sales`)).toBe(1);
  });

  it('refuses every bad request with its error, and writes nothing', async () => {
    const good = { order_id: 'CMD-2', amount: '10.00', currency: 'EUR', click_id: clickId };
    const raw = JSON.stringify(good);
    const cases: Array<[string, Promise<{ statusCode: number; json(): { error: string; field?: string } }>, number, string]> = [
      ['unsigned', t.app.inject({ method: 'POST', url: '/api/conversions', payload: raw, headers: { 'content-type': 'application/json', 'pe-campaign': campaignId } }), 401, 'invalid_signature'],
      ['badly signed', post('/api/conversions', good, { key: 'pe_conv_not-the-key' }), 401, 'invalid_signature'],
      ['signed for another body', post('/api/conversions', good, { signature: signConversion(secret, '{}', now()) }), 401, 'invalid_signature'],
      ['stale', post('/api/conversions', good, { at: now() - 301 }), 401, 'invalid_signature'],
      ['unknown campaign', post('/api/conversions', good, { campaign: '00000000-0000-4000-8000-000000000000' }), 404, 'unknown_campaign'],
      ['malformed JSON', post('/api/conversions', null, { raw: '{"order_id": "CMD-2",' }), 400, 'invalid_json'],
      ['not an object', post('/api/conversions', [good]), 400, 'invalid_json'],
      ['forged click id', post('/api/conversions', { ...good, click_id: `${clickId.split('.')[0]}.AAAAAAAAAAAAAAAA` }), 400, 'invalid_input'],
      ['another campaign’s click', post('/api/conversions', { ...good, click_id: otherClickId }), 400, 'invalid_input'],
      ['NaN', post('/api/conversions', { ...good, amount: 'NaN' }), 400, 'invalid_input'],
      ['negative', post('/api/conversions', { ...good, amount: -10 }), 400, 'invalid_input'],
      ['zero', post('/api/conversions', { ...good, amount: 0 }), 400, 'invalid_input'],
      ['three decimals', post('/api/conversions', { ...good, amount: '10.001' }), 400, 'invalid_input'],
      ['absurd', post('/api/conversions', { ...good, amount: 1e15 }), 400, 'invalid_input'],
      ['dollars', post('/api/conversions', { ...good, currency: 'USD' }), 400, 'invalid_input'],
      ['refund of an unknown order', post('/api/conversions/refunds', { order_id: 'NOPE', refund_id: 'r1', amount: '1.00', currency: 'EUR' }), 404, 'unknown_order'],
      ['refund larger than the sale', post('/api/conversions/refunds', { order_id: 'CMD-1', refund_id: 'r1', amount: '59.91', currency: 'EUR' }), 400, 'invalid_input'],
    ];
    for (const [name, response, status, error] of cases) {
      const answer = await response;
      expect([answer.statusCode, answer.json().error], name).toEqual([status, error]);
    }
    expect(await countRows(t.database.db, sql`sales where order_id = 'CMD-2'`)).toBe(0);
    expect(await countRows(t.database.db, sql`sale_refunds`)).toBe(0);
  });

  it('takes partial then full refunds, once each, and cancels the commission pro rata', async () => {
    const part = await post('/api/conversions/refunds', { order_id: 'CMD-1', refund_id: 'r-1', amount: '29.95', currency: 'EUR' });
    expect(part.statusCode).toBe(201);
    expect(part.json()).toMatchObject({ refund: { commission_cancelled: '2.40', after_confirmation: false }, sale: { refunded: '29.95', commission: '2.39' } });
    expect((await post('/api/conversions/refunds', { order_id: 'CMD-1', refund_id: 'r-1', amount: '29.95', currency: 'EUR' })).statusCode).toBe(200);
    const rest = await post('/api/conversions/refunds', { order_id: 'CMD-1', refund_id: 'r-2', amount: '29.95', currency: 'EUR' });
    expect(rest.json()).toMatchObject({ sale: { refunded: '59.90', commission: '0.00' } });
    expect(await countRows(t.database.db, sql`sale_refunds`)).toBe(2);
  });
});
