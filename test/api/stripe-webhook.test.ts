/**
 * Stripe's webhook over HTTP on both engines, with a real click: a visitor follows a partner's
 * link, the 302 hands the shop a click id, the shop's Checkout Session carries it, Stripe reports
 * the session and later the refunds, each event shaped as Stripe documents it and signed with the
 * `stripe` package's own test helper. A replayed event changes nothing; a partial then a full
 * refund cancel the commission pro rata then whole. Every bad delivery is refused with its JSON
 * error and changes nothing. The operator sets the signing secret through the JSON admin route.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { customerRefFromEmail, setStripeWebhook } from '../../src/modules/sales/stripe-webhook.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, addPartner, BROWSER_UA, countRows, linkCode, operator } from '../support/fixtures.js';
import { charge, chargeRefundedEvent, checkoutCompletedEvent, checkoutSession, refund, signed } from '../support/stripe-events.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'whsec_5f6e0c2b1a9d8e7f6a5b4c3d2e1f0a9b';
const ADMIN_TOKEN = 'admin-token-admin-token-admin-token-0123';

describe.each(ENGINES)('the Stripe webhook on %s', (engine) => {
  let t: TestApp;
  let campaignId: string;
  let connectCampaignId: string;
  let otherClickId: string;

  let code: string;
  let addresses = 30;

  /** A visitor's click on the partner's link: the click id the shop receives, under the campaign's parameter. */
  async function visit(linkCodeValue: string, param: string): Promise<string> {
    const response = await t.app.inject({ url: `/r/${linkCodeValue}`, remoteAddress: `198.${addresses++}.100.7`, headers: { 'user-agent': BROWSER_UA } });
    expect(response.statusCode).toBe(302);
    const id = new URL(response.headers.location as string).searchParams.get(param)!;
    expect(id).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{16}$/);
    return id;
  }

  const deliver = (event: unknown, options: { campaign?: string; secret?: string; timestamp?: number; body?: string; signature?: string | null; contentType?: string } = {}) => {
    const { body, signature } = signed(event, options.secret ?? SECRET, { timestamp: options.timestamp, body: options.body });
    return t.app.inject({
      method: 'POST',
      url: `/api/stripe/${options.campaign ?? campaignId}/webhook`,
      payload: body,
      headers: {
        'content-type': options.contentType ?? 'application/json; charset=utf-8',
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        ...(options.signature === null ? {} : { 'stripe-signature': options.signature ?? signature }),
      },
    });
  };

  const sale = async (orderId: string) =>
    (await queryRows<{ amount_cents: number; refunded_cents: number; commission_cents: number; reversed_cents: number; attribution: string; source: string; customer_ref: string | null; partner_id: string | null }>(
      t.database.db,
      sql`select amount_cents, refunded_cents, commission_cents, reversed_cents, attribution, source, customer_ref, partner_id from sales where order_id = ${orderId}`,
    ))[0];

  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_API_TOKEN: ADMIN_TOKEN });
    const db = t.database.db;
    const campaign = await addCampaign(db, '0.10', 'Boutique Stripe');
    const connect = await addCampaign(db, '0.10', 'Boutique Connect');
    const other = await addCampaign(db, '0.10', 'Autre boutique');
    campaignId = campaign.id;
    connectCampaignId = connect.id;
    // 10 % of each sale, 30 days held.
    await db.execute(sql`update campaigns set commission_bp = 1000, commission_fixed_cents = 0, click_param = 'ref_pe' where id in (${campaignId}, ${connectCampaignId})`);
    const partner = await addPartner(db, 'stripe-partner@example.com');
    code = await linkCode(db, partner, campaignId);
    otherClickId = await visit(await linkCode(db, partner, other.id), 'pe_click');
    // The operator gives each campaign its signing secret over the JSON admin API.
    const set = await t.app.inject({ method: 'PUT', url: `/api/admin/campaigns/${campaignId}/stripe`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { secret: SECRET } });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({ configured: true, account: null, endpoint: `http://partners.test/api/stripe/${campaignId}/webhook` });
    await setStripeWebhook(db, t.config, connectCampaignId, { secret: SECRET, account: 'acct_1Connected000' }, operator);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records a paid Checkout Session once: the sale attributed to the click, a replay changes nothing', async () => {
    const db = t.database.db;
    const id = await visit(code, 'ref_pe');
    const session = checkoutSession({ amountTotal: 4990, clientReferenceId: id, customer: null, email: 'Jenny.Rosen@example.com' });
    const event = checkoutCompletedEvent(session);
    const first = await deliver(event);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ received: true, outcome: 'sale_recorded', eventId: event.id, orderId: session.payment_intent, attribution: 'attributed', commissionCents: 499 });
    const recorded = await sale(session.payment_intent as string);
    expect(recorded).toMatchObject({ amount_cents: 4990, attribution: 'attributed', source: 'stripe', commission_cents: 499 });
    // The customer is a keyed hash of the email, never the email.
    expect(recorded!.customer_ref).toBe(customerRefFromEmail(t.config, 'jenny.rosen@example.com'));
    expect(JSON.stringify(await queryRows(db, sql`select * from sales`))).not.toContain('Jenny');

    const replay = await deliver(event);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ outcome: 'sale_replayed', saleId: first.json().saleId });
    expect(await countRows(db, sql`sales where order_id = ${session.payment_intent as string}`)).toBe(1);
  });

  it('reads the click id from metadata, the session id when there is no payment intent, and the customer id', async () => {
    const session = checkoutSession({ amountTotal: 1000, paymentIntent: null, metadata: { ref_pe: otherClickId.replace(/.$/, 'x') }, customer: 'cus_NffrFeUfNV2Hib' });
    // A forged click id in the metadata: the sale is kept, earning nothing, for the operator to see
    // why (refusing it would have Stripe retry it for days).
    const forged = await deliver(checkoutCompletedEvent(session));
    expect(forged.statusCode).toBe(200);
    expect(forged.json()).toMatchObject({ outcome: 'sale_recorded', orderId: session.id, attribution: 'unknown_click', commissionCents: 0 });
    const plain = checkoutSession({ amountTotal: 1000, paymentIntent: null, metadata: { pe_click: '' }, clientReferenceId: 'USER-42', customer: 'cus_NffrFeUfNV2Hib' });
    const ok = await deliver(checkoutCompletedEvent(plain));
    expect(ok.statusCode).toBe(200);
    // client_reference_id that is not a click id is the shop's own: a sale without a click.
    expect(ok.json()).toMatchObject({ outcome: 'sale_recorded', orderId: plain.id, attribution: 'no_click', commissionCents: 0 });
    expect(await sale(plain.id)).toMatchObject({ customer_ref: 'cus_NffrFeUfNV2Hib' });
    expect(await sale(session.id)).toMatchObject({ attribution: 'unknown_click', commission_cents: 0 });
  });

  it('waits for a delayed payment, ignores other events, and takes async_payment_succeeded', async () => {
    const unpaid = checkoutSession({ amountTotal: 2500, paymentStatus: 'unpaid' });
    const waiting = await deliver(checkoutCompletedEvent(unpaid));
    expect(waiting.json()).toMatchObject({ outcome: 'ignored', reason: 'not_paid' });
    expect(await sale(unpaid.payment_intent as string)).toBeUndefined();
    const paid = await deliver(checkoutCompletedEvent({ ...unpaid, payment_status: 'paid' }, { type: 'checkout.session.async_payment_succeeded' }));
    expect(paid.json()).toMatchObject({ outcome: 'sale_recorded' });
    const other = await deliver({ ...checkoutCompletedEvent(unpaid), type: 'customer.created' });
    expect(other.statusCode).toBe(200);
    expect(other.json()).toMatchObject({ outcome: 'ignored', reason: 'event_type' });
  });

  it('cancels the commission pro rata on a partial refund, then whole on the full refund, each event once', async () => {
    const db = t.database.db;
    const id = await visit(code, 'ref_pe');
    const session = checkoutSession({ amountTotal: 10_000, metadata: { ref_pe: id } });
    const recordedSale = (await deliver(checkoutCompletedEvent(session))).json();
    expect(recordedSale).toMatchObject({ commissionCents: 1000 });
    const pi = session.payment_intent as string;

    // Listed refunds (the charge's refunds expanded): each by its id.
    const base = { id: 'ch_x', payment_intent: pi, currency: 'eur' };
    const first = refund(base, 2500);
    const partial = chargeRefundedEvent(charge({ paymentIntent: pi, amount: 10_000, amountRefunded: 2500, refunds: [first] }));
    const answered = await deliver(partial);
    expect(answered.statusCode).toBe(200);
    expect(answered.json()).toMatchObject({ outcome: 'refunds_recorded', orderId: pi, refunds: [{ reference: first.id, amountCents: 2500, replayed: false }] });
    expect(await sale(pi)).toMatchObject({ refunded_cents: 2500, reversed_cents: 250 });
    expect((await deliver(partial)).json()).toMatchObject({ refunds: [{ replayed: true }] });
    expect(await sale(pi)).toMatchObject({ refunded_cents: 2500, reversed_cents: 250 });

    const full = chargeRefundedEvent(charge({ paymentIntent: pi, amount: 10_000, amountRefunded: 10_000, refunds: [refund(base, 7500), first] }));
    expect((await deliver(full)).statusCode).toBe(200);
    expect(await sale(pi)).toMatchObject({ refunded_cents: 10_000, reversed_cents: 1000 });
    expect((await deliver(full)).statusCode).toBe(200);
    expect(await countRows(db, sql`sale_refunds r join sales s on s.id = r.sale_id where s.order_id = ${pi}`)).toBe(2);
  });

  it('without the refunds listed, counts the cumulative amount refunded, once per total, in any order', async () => {
    const session = checkoutSession({ amountTotal: 8000 });
    await deliver(checkoutCompletedEvent(session));
    const pi = session.payment_intent as string;
    const partial = chargeRefundedEvent(charge({ paymentIntent: pi, amount: 8000, amountRefunded: 3000 }));
    const full = chargeRefundedEvent({ ...partial.data.object, amount_refunded: 8000, refunded: true });
    expect((await deliver(partial)).json()).toMatchObject({ outcome: 'refunds_recorded', refunds: [{ reference: `${partial.data.object.id}:refunded:3000`, amountCents: 3000 }] });
    expect((await deliver(partial)).json()).toMatchObject({ outcome: 'ignored', reason: 'already_refunded' });
    expect((await deliver(full)).json()).toMatchObject({ refunds: [{ amountCents: 5000 }] });
    // The partial refund's event arriving again after the full one adds nothing.
    expect((await deliver(partial)).json()).toMatchObject({ outcome: 'ignored' });
    expect(await sale(pi)).toMatchObject({ refunded_cents: 8000 });
  });

  it('never counts a refund twice when one event lists it and an earlier-handled one only gave the total', async () => {
    const session = checkoutSession({ amountTotal: 10_000 });
    await deliver(checkoutCompletedEvent(session));
    const pi = session.payment_intent as string;
    const unlisted = chargeRefundedEvent(charge({ paymentIntent: pi, amount: 10_000, amountRefunded: 3000 }));
    expect((await deliver(unlisted)).json()).toMatchObject({ refunds: [{ amountCents: 3000 }] });
    // The same refund, now listed by its id (an older event retried after an API version change).
    const listed = chargeRefundedEvent({ ...unlisted.data.object, refunds: { object: 'list', data: [refund({ id: unlisted.data.object.id, payment_intent: pi, currency: 'eur' }, 3000)], has_more: false, url: '/v1/refunds' } });
    expect((await deliver(listed)).json()).toMatchObject({ refunds: [{ replayed: true }] });
    expect(await sale(pi)).toMatchObject({ refunded_cents: 3000 });
  });

  it('refuses every bad delivery with its JSON error, and changes nothing', async () => {
    const db = t.database.db;
    const session = checkoutSession({ amountTotal: 1500 });
    const event = checkoutCompletedEvent(session);
    const recorded = checkoutSession({ amountTotal: 2000 });
    await deliver(checkoutCompletedEvent(recorded));
    const recordedPi = recorded.payment_intent as string;
    const before = await queryRows(db, sql`select id, refunded_cents, reversed_cents from sales order by id`);
    const refunds = await countRows(db, sql`sale_refunds`);
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, ReturnType<typeof deliver>, number, string]> = [
      ['no signature', deliver(event, { signature: null }), 400, 'invalid_signature'],
      ['another secret', deliver(event, { secret: 'whsec_not_the_campaign_secret_0000' }), 400, 'invalid_signature'],
      ['signed for another body', deliver(event, { signature: signed({ other: true }, SECRET).signature }), 400, 'invalid_signature'],
      ['stale', deliver(event, { timestamp: now - 301 }), 400, 'invalid_signature'],
      ['unknown campaign', deliver(event, { campaign: '00000000-0000-4000-8000-000000000000' }), 404, 'unknown_endpoint'],
      ['not a campaign id', deliver(event, { campaign: 'nope' }), 404, 'unknown_endpoint'],
      ['malformed JSON, signed', deliver(null, { body: '{"id": "evt_1", "type": ' }), 400, 'invalid_json'],
      ['not an event', deliver({ id: 'evt_1' }), 400, 'invalid_event'],
      ['another Stripe account', deliver(checkoutCompletedEvent(session), { campaign: connectCampaignId }), 400, 'foreign_account'],
      ['another connected account', deliver(checkoutCompletedEvent(session, { account: 'acct_1Someone0Else' }), { campaign: connectCampaignId }), 400, 'foreign_account'],
      ['dollars', deliver(checkoutCompletedEvent(checkoutSession({ currency: 'usd' }))), 400, 'invalid_input'],
      ['a refund larger than the sale', deliver(chargeRefundedEvent(charge({ paymentIntent: recordedPi, amount: 2000, amountRefunded: 2001 }))), 400, 'invalid_input'],
      ['a refund in dollars', deliver(chargeRefundedEvent(charge({ paymentIntent: recordedPi, amount: 2000, amountRefunded: 500, currency: 'usd' }))), 400, 'invalid_input'],
      ['a refund of an unknown order', deliver(chargeRefundedEvent(charge({ paymentIntent: 'pi_3Unknown000000000000', amount: 2000, amountRefunded: 500 }))), 404, 'unknown_order'],
      ['form-encoded', deliver(event, { contentType: 'application/x-www-form-urlencoded' }), 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'],
    ];
    for (const [name, promise, status, code] of cases) {
      const response = await promise;
      expect([name, response.statusCode, response.json().error], name).toEqual([name, status, code]);
      expect(typeof response.json().message, name).toBe('string');
    }
    expect(await sale(session.payment_intent as string)).toBeUndefined();
    expect(await queryRows(db, sql`select id, refunded_cents, reversed_cents from sales order by id`)).toEqual(before);
    expect(await countRows(db, sql`sale_refunds`)).toBe(refunds);
    // Another campaign's click id: the sale is this campaign's all the same, earning nothing.
    const foreign = await deliver(checkoutCompletedEvent(checkoutSession({ clientReferenceId: otherClickId })));
    expect([foreign.statusCode, foreign.json().attribution, foreign.json().commissionCents]).toEqual([200, 'other_campaign', 0]);
  });

  it('takes the connected account’s own events on a campaign limited to it', async () => {
    const session = checkoutSession({ amountTotal: 3000 });
    const response = await deliver(checkoutCompletedEvent(session, { account: 'acct_1Connected000' }), { campaign: connectCampaignId });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ outcome: 'sale_recorded' });
  });

  it('the admin route refuses a malformed secret or account, needs an operator, and never returns the secret', async () => {
    const put = (payload: unknown, headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` }) => t.app.inject({ method: 'PUT', url: `/api/admin/campaigns/${campaignId}/stripe`, headers, payload: payload as Record<string, unknown> });
    expect((await put({ secret: 'sk_live_123' })).json()).toMatchObject({ error: 'invalid_input', field: 'secret' });
    expect((await put({ secret: SECRET, account: 'acme' })).json()).toMatchObject({ error: 'invalid_input', field: 'account' });
    expect((await put({ secret: SECRET }, {})).statusCode).toBe(401);
    const read = await t.app.inject({ url: `/api/admin/campaigns/${campaignId}/stripe`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(read.json()).toEqual({ configured: true, account: null, endpoint: `http://partners.test/api/stripe/${campaignId}/webhook` });
    const [stored] = await queryRows<{ sealed: string }>(t.database.db, sql`select stripe_webhook_secret_sealed as sealed from campaigns where id = ${campaignId}`);
    expect(stored!.sealed).not.toContain('whsec_');
    const audit = await queryRows<{ params: unknown }>(t.database.db, sql`select params from audit_log where action = 'stripe_webhook_set'`);
    expect(audit.length).toBe(2);
    expect(JSON.stringify(audit)).not.toContain('whsec_');
  });
});
