/**
 * Stripe events as Stripe sends them, for the webhook's tests: each object follows the example of
 * Stripe's API reference (the Checkout Session, Charge and Refund objects, the Event envelope),
 * typed with the `stripe` package's own types so a missing or misspelled field fails to compile,
 * and signed with the package's own test helper.
 */
import Stripe from 'stripe';

const API_VERSION = '2025-09-30.clover';
let serial = 0;
const id = (prefix: string) => `${prefix}_${(Date.now().toString(36) + (serial++).toString(36)).padEnd(24, 'X')}`;
const unix = (date: Date) => Math.floor(date.getTime() / 1000);

export interface SessionOptions {
  amountTotal?: number;
  currency?: string;
  clientReferenceId?: string | null;
  metadata?: Record<string, string>;
  paymentIntent?: string | null;
  paymentStatus?: Stripe.Checkout.Session.PaymentStatus;
  customer?: string | null;
  email?: string | null;
  created?: Date;
}

/** A completed, paid Checkout Session (mode payment), as in `checkout.session.completed`. */
export function checkoutSession(options: SessionOptions = {}): Stripe.Checkout.Session {
  const created = unix(options.created ?? new Date());
  const sessionId = id('cs_test_a1');
  const amount = options.amountTotal ?? 4990;
  return {
    id: sessionId,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: ['card'],
    amount_subtotal: amount,
    amount_total: amount,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: null,
    client_reference_id: options.clientReferenceId ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency: options.currency ?? 'eur',
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: options.customer === undefined ? null : options.customer,
    customer_account: null,
    customer_creation: 'if_required',
    customer_details: options.email === null
      ? null
      : { address: { city: 'Paris', country: 'FR', line1: '1 rue de la Paix', line2: null, postal_code: '75002', state: null }, business_name: null, email: options.email ?? 'jenny.rosen@example.com', individual_name: null, name: 'Jenny Rosen', phone: null, tax_exempt: 'none', tax_ids: [] },
    customer_email: null,
    discounts: [],
    expires_at: created + 86_400,
    integration_identifier: null,
    invoice: null,
    invoice_creation: { enabled: false, invoice_data: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: null, metadata: {}, rendering_options: null } },
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: options.metadata ?? {},
    mode: 'payment',
    origin_context: null,
    payment_intent: options.paymentIntent === undefined ? id('pi_3MtwBwLkdIwHu7ix') : options.paymentIntent,
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_status: options.paymentStatus ?? 'paid',
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'complete',
    submit_type: null,
    subscription: null,
    success_url: 'https://boutique.example/merci?session_id={CHECKOUT_SESSION_ID}',
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: null,
    wallet_options: null,
  };
}

/** A refund of a charge, as in a charge's `refunds.data`. */
export function refund(charge: Pick<Stripe.Charge, 'id' | 'payment_intent' | 'currency'>, amount: number, created = new Date()): Stripe.Refund {
  return {
    id: id('re_1Nispe2eZvKYlo2C'),
    object: 'refund',
    amount,
    balance_transaction: id('txn_1Nispe2eZvKYlo2C'),
    charge: charge.id,
    created: unix(created),
    currency: charge.currency,
    customer: null,
    customer_account: null,
    destination_details: { card: { reference: '123456789012', reference_status: 'available', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method: null,
    reason: 'requested_by_customer',
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}

export interface ChargeOptions {
  paymentIntent: string | null;
  amount: number;
  amountRefunded: number;
  currency?: string;
  /** The charge's refunds, listed (API versions before 2022-11-15 expanded them); absent: not sent. */
  refunds?: Stripe.Refund[];
}

/** A charge after refunds, as in `charge.refunded`. */
export function charge(options: ChargeOptions): Stripe.Charge {
  const chargeId = id('ch_3MmlLrLkdIwHu7ix');
  const created = unix(new Date());
  return {
    id: chargeId,
    object: 'charge',
    amount: options.amount,
    amount_captured: options.amount,
    amount_refunded: options.amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: id('txn_3MmlLrLkdIwHu7ix'),
    billing_details: { address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null }, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'BOUTIQUE',
    captured: true,
    created,
    currency: options.currency ?? 'eur',
    customer: null,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'approved_by_network', reason: null, risk_level: 'normal', risk_score: 32, seller_message: 'Payment complete.', type: 'authorized' },
    paid: true,
    payment_intent: options.paymentIntent,
    payment_method: id('pm_1MmlLrLkdIwHu7ix'),
    payment_method_details: { card: { brand: 'visa', checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' }, country: 'FR', exp_month: 3, exp_year: 2030, fingerprint: 'mToisGZ01V71BCos', funding: 'credit', installments: null, last4: '4242', mandate: null, network: 'visa', three_d_secure: null, wallet: null } as Stripe.Charge.PaymentMethodDetails.Card, type: 'card' },
    receipt_email: null,
    receipt_number: null,
    receipt_url: 'https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8xTTJKVGtMa2RJd0h1N2l4KOvG06AGMgZfBXyr1aw6LBa9vaaSRWU96d8qBwz9z2J_CObiV_H2-e8RezSK_sw0KISesp4czsOUlVKY',
    refunded: options.amountRefunded >= options.amount,
    ...(options.refunds ? { refunds: { object: 'list' as const, data: options.refunds, has_more: false, url: `/v1/charges/${chargeId}/refunds` } } : {}),
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

type Envelope = Omit<Stripe.EventBase, 'type' | 'data'>;
function envelope(options: { account?: string; created?: Date }): Envelope {
  return {
    id: id('evt_1NG8Du2eZvKYlo2C'),
    object: 'event',
    ...(options.account ? { account: options.account } : {}),
    api_version: API_VERSION,
    created: unix(options.created ?? new Date()),
    livemode: false,
    pending_webhooks: 1,
    request: { id: id('req_1NG8Du2eZvKYlo2C'), idempotency_key: null },
  };
}

export function checkoutCompletedEvent(session: Stripe.Checkout.Session, options: { account?: string; type?: 'checkout.session.completed' | 'checkout.session.async_payment_succeeded' } = {}): Stripe.CheckoutSessionCompletedEvent | Stripe.CheckoutSessionAsyncPaymentSucceededEvent {
  return { ...envelope(options), type: options.type ?? 'checkout.session.completed', data: { object: session } };
}

export function chargeRefundedEvent(refunded: Stripe.Charge, options: { account?: string } = {}): Stripe.ChargeRefundedEvent {
  return { ...envelope(options), type: 'charge.refunded', data: { object: refunded, previous_attributes: { amount_refunded: 0, refunded: false } } };
}

/** The body and `Stripe-Signature` header of a delivery, signed as Stripe does (timestamp: now unless given). */
export function signed(event: unknown, secret: string, options: { timestamp?: number; body?: string } = {}): { body: string; signature: string } {
  const body = options.body ?? JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }) });
  return { body, signature };
}
