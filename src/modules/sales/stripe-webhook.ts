/**
 * Sales reported by Stripe (issue 17): a campaign's webhook endpoint, `POST
 * /api/stripe/:campaignId/webhook`, verified with the official `stripe` package's signature check
 * (`Stripe-Signature`, HMAC-SHA256 of the raw body with a timestamp, 5 minutes of tolerance) under
 * the campaign's signing secret, kept sealed (config.stripeSecretsKey).
 *
 * - `checkout.session.completed` (paid) and `checkout.session.async_payment_succeeded` record the
 *   sale (sales.ts `recordSale`, source 'stripe'): order id = the session's payment_intent, else the
 *   session's id; amount = amount_total (cents); click id = metadata[the campaign's click_param],
 *   else metadata.pe_click, else client_reference_id when it is one of our click ids (a shop may use
 *   that field for its own reference); customer reference = the Stripe customer id, else a keyed
 *   hash of the customer's email (never the email).
 * - `charge.refunded` records each refund of `refunds.data` by its id; when the charge comes
 *   without its refunds (API versions since 2022-11-15 no longer expand them), the cumulative
 *   `amount_refunded` less what this order already has refunded, under the reference
 *   `<charge id>:refunded:<cumulative>`, read under the sale's lock (two events cannot count the
 *   same refund twice). The order is the charge's payment_intent. All of one event, or nothing.
 * - Any other event type: answered 200 and ignored.
 *
 * Status codes and Stripe's retries: Stripe retries every answer that is not 2xx (for up to three
 * days in live mode), whatever its code. So what matters is whether a retry can succeed:
 * - 404 for what a retry can fix: an unknown campaign, no signing secret yet, and a refund whose
 *   order is not recorded — Stripe does not deliver events in order, so a refund may come before
 *   its sale (e.g. while the sale's delivery is being retried); the retry then finds it.
 * - 400 (409 for an order already recorded with another amount) for what no retry changes: a
 *   missing, invalid or stale signature, malformed JSON, an event of another Stripe account, another
 *   currency than EUR, a refund larger than the sale. Each retry is refused the same way and changes
 *   nothing; Stripe's dashboard lists the failed deliveries with our JSON error.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { sales } from '../../db/schema.js';
import { setStripeSettings, stripeSettingsOf } from '../campaigns/campaigns.js';
import { DomainError, InputError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { centsToDecimalString } from '../../lib/money.js';
import { seal, unseal } from '../../lib/sealed.js';
import { findUnstorableText } from '../../lib/stored-text.js';
import type { Actor } from '../audit/actor.js';
import { writeAudit } from '../audit/audit-log.js';
import { recordRefund, recordSale, type SalesDeps } from './sales.js';

/** A Stripe signing secret as the dashboard or `stripe listen` shows it. */
const SECRET_FORMAT = /^whsec_[A-Za-z0-9+/=_-]{16,200}$/;
const ACCOUNT_FORMAT = /^acct_[A-Za-z0-9]{1,64}$/;

export const STRIPE_WEBHOOK_EVENTS = ['checkout.session.completed', 'checkout.session.async_payment_succeeded', 'charge.refunded'] as const;

export interface StripeWebhookInput {
  secret?: unknown;
  /** The only Stripe account whose events are taken (Connect's `account`); empty: any. */
  account?: unknown;
}

export interface StripeWebhookSettings {
  configured: boolean;
  account: string | null;
  /** Where Stripe sends the events. */
  endpoint: string;
}

export const stripeEndpoint = (config: Pick<Config, 'baseUrl'>, campaignId: string) => new URL(`/api/stripe/${campaignId}/webhook`, config.baseUrl).href;

/** Stores a campaign's signing secret (sealed) and account; audited, the secret never written in clear. */
export async function setStripeWebhook(db: Db, config: Config, campaignId: string, input: StripeWebhookInput, actor: Actor): Promise<StripeWebhookSettings> {
  if (!isUuid(campaignId)) throw new NotFoundError('campaign');
  const secret = typeof input.secret === 'string' ? input.secret.trim() : '';
  if (!SECRET_FORMAT.test(secret)) throw new InputError('secret', 'stripe.error.secretFormat');
  const accountText = typeof input.account === 'string' ? input.account.trim() : input.account === undefined || input.account === null ? '' : null;
  if (accountText === null || (accountText !== '' && !ACCOUNT_FORMAT.test(accountText))) throw new InputError('account', 'stripe.error.accountFormat');
  const account = accountText === '' ? null : accountText;
  return db.transaction(async (tx) => {
    const before = await stripeSettingsOf(tx, campaignId, { lock: true });
    if (!before) throw new NotFoundError('campaign');
    await setStripeSettings(tx, campaignId, seal({ secret }, config.stripeSecretsKey), account);
    await writeAudit(tx, {
      actorId: actor.id,
      actorLabel: actor.label,
      action: 'stripe_webhook_set',
      subject: `campaign:${campaignId}`,
      params: { name: before.name, account, replaced: before.sealed !== null, accountFrom: before.account },
    });
    return { configured: true, account, endpoint: stripeEndpoint(config, campaignId) };
  });
}

/** What the operator's page shows: whether a secret is set, the account, the endpoint (never the secret). */
export async function stripeWebhookSettings(db: Db, config: Config, campaignId: string): Promise<StripeWebhookSettings> {
  if (!isUuid(campaignId)) throw new NotFoundError('campaign');
  const row = await stripeSettingsOf(db, campaignId);
  if (!row) throw new NotFoundError('campaign');
  return { configured: row.sealed !== null, account: row.account, endpoint: stripeEndpoint(config, campaignId) };
}

export type StripeOutcome =
  | { outcome: 'sale_recorded' | 'sale_replayed'; eventId: string; saleId: string; orderId: string; attribution: string; commissionCents: number }
  | { outcome: 'refunds_recorded'; eventId: string; orderId: string; refunds: Array<{ reference: string; amountCents: number; replayed: boolean }> }
  | { outcome: 'ignored'; eventId: string; reason: 'event_type' | 'not_paid' | 'no_amount' | 'already_refunded' };

const refusal = (code: string, messageKey: 'stripe.error.signature' | 'stripe.error.json' | 'stripe.error.account' | 'stripe.error.event' | 'stripe.error.campaign', status: 400 | 404 = 400) => new DomainError(code, status, messageKey);

/** A Stripe amount in the smallest unit (cents for EUR) as the decimal text the ledger reads: 1999 → "19.99". */
export function stripeAmount(value: unknown, field = 'amount'): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new InputError(field, 'sale.error.amount');
  return centsToDecimalString(value);
}

const isoFromUnix = (seconds: unknown): string | undefined => (typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : undefined);

type Json = Record<string, unknown>;
const object = (value: unknown): Json | null => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null);
const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
/** An expandable field: its id whether Stripe sent the id or the object. */
const idOf = (value: unknown): string | null => text(value) ?? text(object(value)?.['id']);

/** The hash standing for a customer's email: stable for one installation, never the email. */
export function customerRefFromEmail(config: Pick<Config, 'customerRefKey'>, email: string): string {
  return `email:${createHmac('sha256', config.customerRefKey).update(email.trim().toLowerCase()).digest('base64url').slice(0, 32)}`;
}

/**
 * The sale a Checkout Session reports, as recordSale reads it (pure: the session as Stripe sends
 * it, the campaign's click parameter, how to read a click id).
 */
export function saleFromCheckoutSession(session: Json, options: { clickParam: string; parseClickId: SalesDeps['parseClickId']; customerRefKey: Buffer; soldAt?: string }) {
  const metadata = object(session['metadata']) ?? {};
  const reference = text(session['client_reference_id']);
  const clickId = text(metadata[options.clickParam]) ?? text(metadata['pe_click']) ?? (reference !== null && options.parseClickId(reference) !== null ? reference : null);
  const email = text(object(session['customer_details'])?.['email']) ?? text(session['customer_email']);
  const customer = idOf(session['customer']);
  return {
    orderId: idOf(session['payment_intent']) ?? text(session['id']),
    amount: stripeAmount(session['amount_total']),
    currency: session['currency'],
    clickId,
    customerRef: customer ?? (email ? customerRefFromEmail({ customerRefKey: options.customerRefKey }, email) : null),
    soldAt: options.soldAt,
  };
}

interface WebhookCampaign {
  id: string;
  clickParam: string;
  sealed: string | null;
  account: string | null;
}

export interface StripeWebhookDeps {
  config: Config;
  sales: SalesDeps;
}

/**
 * Verifies and applies one webhook delivery (see the module's comment). `rawBody` is the request's
 * body exactly as received: the signature covers its bytes.
 */
export async function receiveStripeEvent(db: Db, deps: StripeWebhookDeps, campaignId: string, rawBody: Buffer | string, signature: string | undefined): Promise<StripeOutcome> {
  const campaign = await stripeSettingsOf(db, campaignId);
  if (!campaign?.sealed) throw refusal('unknown_endpoint', 'stripe.error.campaign', 404);
  const { secret } = unseal<{ secret: string }>(campaign.sealed, deps.config.stripeSecretsKey);
  const now = deps.sales.clock?.() ?? new Date();

  let event: Json | null;
  try {
    event = object(Stripe.webhooks.constructEvent(rawBody, signature ?? '', secret, Stripe.webhooks.DEFAULT_TOLERANCE, undefined, now.getTime()));
  } catch (error) {
    if (error instanceof SyntaxError) throw refusal('invalid_json', 'stripe.error.json');
    throw refusal('invalid_signature', 'stripe.error.signature');
  }
  const eventId = text(event?.['id']);
  const type = text(event?.['type']);
  const data = object(object(event?.['data'])?.['object']);
  if (!event || !eventId || !type || !data) throw refusal('invalid_event', 'stripe.error.event');
  // A Connect platform's endpoint also receives its connected accounts' events: only the campaign's.
  if (campaign.account !== null && event['account'] !== campaign.account) throw refusal('foreign_account', 'stripe.error.account');

  if (type === 'checkout.session.completed' || type === 'checkout.session.async_payment_succeeded') {
    return checkoutCompleted(db, deps, campaign, eventId, event, data);
  }
  if (type === 'charge.refunded') return chargeRefunded(db, deps, campaign, eventId, event, data);
  return { outcome: 'ignored', eventId, reason: 'event_type' };
}

/** The values kept from Stripe's text fields follow the stored-text rule, like every input. */
function assertStorable(values: Record<string, unknown>): void {
  const bad = findUnstorableText(values);
  if (bad) throw new InputError(bad.field, bad.character === null ? 'error.text.tooDeep' : 'error.text.control', { field: bad.field, character: bad.character ?? '' });
}

async function checkoutCompleted(db: Db, deps: StripeWebhookDeps, campaign: WebhookCampaign, eventId: string, event: Json, session: Json): Promise<StripeOutcome> {
  // A delayed payment method (SEPA debit…) completes the session unpaid: its sale is the later
  // `checkout.session.async_payment_succeeded`. A session with nothing to pay is no sale.
  if (session['payment_status'] === 'unpaid') return { outcome: 'ignored', eventId, reason: 'not_paid' };
  if (session['payment_status'] === 'no_payment_required' || session['amount_total'] === 0) return { outcome: 'ignored', eventId, reason: 'no_amount' };
  const input = saleFromCheckoutSession(session, { clickParam: campaign.clickParam, parseClickId: deps.sales.parseClickId, customerRefKey: deps.config.customerRefKey, soldAt: isoFromUnix(event['created']) });
  assertStorable(input);
  // A session's click id that names no click of this campaign is kept with the sale (earning nothing, the operator sees why): refusing would make Stripe retry for days.
  const { sale, replayed } = await recordSale(db, deps.sales, campaign.id, 'stripe', input, { unmatchedClick: 'record' });
  return { outcome: replayed ? 'sale_replayed' : 'sale_recorded', eventId, saleId: sale.id, orderId: sale.orderId, attribution: sale.attribution, commissionCents: sale.commissionCents };
}

async function chargeRefunded(db: Db, deps: StripeWebhookDeps, campaign: WebhookCampaign, eventId: string, event: Json, charge: Json): Promise<StripeOutcome> {
  const chargeId = text(charge['id']);
  if (!chargeId) throw refusal('invalid_event', 'stripe.error.event');
  const orderId = idOf(charge['payment_intent']) ?? chargeId;
  assertStorable({ orderId, chargeId });
  const list = object(charge['refunds']);
  const listed = Array.isArray(list?.['data']) ? (list['data'] as unknown[]).map(object).filter((refund): refund is Json => refund !== null) : null;
  // Failed and cancelled refunds gave nothing back.
  const given = listed?.filter((refund) => refund['status'] !== 'failed' && refund['status'] !== 'canceled') ?? null;
  const clock = { clock: deps.sales.clock };

  return db.transaction(async (tx) => {
    // The sale's lock first: refunds of one order are read and added in turn.
    const [sale] = await tx.select({ id: sales.id, refundedCents: sales.refundedCents }).from(sales).where(sql`${sales.campaignId} = ${campaign.id} and ${sales.orderId} = ${orderId}`).for('update');
    if (!sale) throw new DomainError('unknown_order', 404, 'sale.error.unknownOrder', {}, 'orderId');
    const done: Array<{ reference: string; amountCents: number; replayed: boolean }> = [];
    if (given !== null && given.length > 0) {
      // The charge's running total bounds what its listed refunds may add: one already counted
      // under that total (an event without the list, handled first) is not counted again.
      const total = typeof charge['amount_refunded'] === 'number' && Number.isSafeInteger(charge['amount_refunded']) ? charge['amount_refunded'] : null;
      for (const refund of given) {
        const reference = text(refund['id']);
        if (!reference) throw refusal('invalid_event', 'stripe.error.event');
        assertStorable({ reference });
        const known = await queryRows<{ id: string }>(tx, sql`select id from sale_refunds where sale_id = ${sale.id} and refund_ref = ${reference}`);
        if (known.length === 0 && total !== null) {
          const [current] = await tx.select({ refundedCents: sales.refundedCents }).from(sales).where(sql`${sales.id} = ${sale.id}`);
          if (Number(refund['amount']) > total - current!.refundedCents) {
            done.push({ reference, amountCents: Number(refund['amount']), replayed: true });
            continue;
          }
        }
        const recorded = await recordRefund(tx, clock, campaign.id, { orderId, refundId: reference, amount: stripeAmount(refund['amount']), currency: refund['currency'], refundedAt: isoFromUnix(refund['created']) ?? isoFromUnix(event['created']) });
        done.push({ reference, amountCents: Number(refund['amount']), replayed: recorded.replayed });
      }
      return { outcome: 'refunds_recorded', eventId, orderId, refunds: done };
    }
    const cumulative = charge['amount_refunded'];
    if (typeof cumulative !== 'number' || !Number.isSafeInteger(cumulative) || cumulative <= 0) throw new InputError('amount', 'sale.error.amount');
    const reference = `${chargeId}:refunded:${cumulative}`;
    const left = cumulative - sale.refundedCents;
    if (left <= 0) {
      // This total is already counted (a retry, or an older event after a newer one). Its
      // currency is checked all the same: another currency's charge is refused, never ignored.
      if (typeof charge['currency'] !== 'string' || charge['currency'].toUpperCase() !== 'EUR') throw new InputError('currency', 'sale.error.currency');
      return { outcome: 'ignored', eventId, reason: 'already_refunded' };
    }
    const recorded = await recordRefund(tx, clock, campaign.id, { orderId, refundId: reference, amount: centsToDecimalString(left), currency: charge['currency'], refundedAt: isoFromUnix(event['created']) });
    return { outcome: 'refunds_recorded', eventId, orderId, refunds: [{ reference, amountCents: left, replayed: recorded.replayed }] };
  });
}
