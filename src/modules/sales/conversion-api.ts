/**
 * The conversion API: a shop reports its sales and refunds server to server.
 *
 *   POST /api/conversions          { order_id, amount, currency, click_id?, customer_ref?, sold_at? }
 *   POST /api/conversions/refunds  { order_id, refund_id, amount, currency, refunded_at? }
 *   PE-Campaign:  <the campaign's id>
 *   PE-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the campaign's key>
 *
 * The signature covers the exact bytes sent, so the body is kept raw for this scope only. A
 * request more than five minutes from our clock is refused (a captured request cannot be replayed
 * later); within that window a replay of a sale or a refund answers the first result and changes
 * nothing (idempotent per order and refund). Answers: 201 with the sale or refund when recorded,
 * 200 when it was already; each refusal a JSON error naming its field, nothing written.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { safeEqual } from '../../lib/crypto.js';
import { DomainError } from '../../lib/errors.js';
import { centsToDecimalString } from '../../lib/money.js';
import { conversionSecretOf } from './conversion-secret.js';
import { cancelledShare } from './sale-terms.js';
import { recordRefund, recordSale, type Sale, type SalesDeps } from './sales.js';

/** How far a request's time may be from ours. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
const MAX_BODY_BYTES = 16 * 1024;

/** The signature header for a body, as a shop computes it (its documentation, and the tests). */
export function signConversion(secret: string, rawBody: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex')}`;
}

/** Whether the header signs this body with this key, within the tolerance of `now`. */
export function signatureValid(secret: string, header: string | undefined, rawBody: string, now: Date): boolean {
  if (!header || header.length > 1000) return false;
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = parts.find(([key]) => key === 't')?.[1];
  const signatures = parts.filter(([key, value]) => key === 'v1' && value).map(([, value]) => value!);
  if (!t || !/^\d{1,12}$/.test(t) || signatures.length === 0) return false;
  if (Math.abs(now.getTime() / 1000 - Number(t)) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return signatures.some((signature) => safeEqual(signature, expected));
}

const refused = () => new DomainError('invalid_signature', 401, 'sale.error.signature', {}, null);

/** The raw body, parsed as JSON into an object, or a 400 naming what is wrong. */
function parseObject(raw: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new DomainError('invalid_json', 400, 'sale.error.json', {}, null);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DomainError('invalid_json', 400, 'sale.error.json', {}, null);
  return body as Record<string, unknown>;
}

export function saleJson(sale: Sale) {
  return {
    id: sale.id,
    order_id: sale.orderId,
    amount: centsToDecimalString(sale.amountCents),
    currency: sale.currency,
    attribution: sale.attribution,
    click_verdict: sale.clickVerdict,
    // What it earns now: refunds' share taken off, before or after confirmation.
    commission: centsToDecimalString(sale.commissionCents - cancelledShare(sale.commissionCents, sale.amountCents, sale.refundedCents)),
    hold_until: sale.holdUntil?.toISOString() ?? null,
    refunded: centsToDecimalString(sale.refundedCents),
  };
}

export function registerConversionRoutes(app: FastifyInstance, { config, db, deps }: { config: Config; db: Db; deps: SalesDeps }): void {
  void app.register(async (scope) => {
    // The signature is over the bytes sent: this scope keeps JSON bodies as text.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => done(null, body));

    /** The campaign and body of a signed request, or the refusal (unknown campaign and bad signature alike: 401/404). */
    async function signed(request: FastifyRequest): Promise<{ campaignId: string; body: Record<string, unknown> }> {
      const campaignId = String(request.headers['pe-campaign'] ?? '');
      const raw = typeof request.body === 'string' ? request.body : '';
      const secret = await conversionSecretOf(db, config, campaignId);
      if (!secret) throw new DomainError('unknown_campaign', 404, 'sale.error.campaign', {}, null);
      const header = request.headers['pe-signature'];
      if (!signatureValid(secret, Array.isArray(header) ? header[0] : header, raw, deps.clock?.() ?? new Date())) throw refused();
      return { campaignId, body: parseObject(raw) };
    }

    const headers = {
      type: 'object',
      properties: { 'pe-campaign': { type: 'string', maxLength: 100 }, 'pe-signature': { type: 'string', maxLength: 1000 } },
    } as const;

    scope.post('/api/conversions', { config: { csrf: false }, schema: { tags: ['conversions'], summary: 'Report a sale (signed with the campaign’s conversion key)', headers } }, async (request, reply) => {
      const { campaignId, body } = await signed(request);
      const { sale, replayed } = await recordSale(db, deps, campaignId, 'api', {
        orderId: body.order_id,
        amount: body.amount,
        currency: body.currency,
        clickId: body.click_id,
        customerRef: body.customer_ref,
        soldAt: body.sold_at,
      });
      return reply.code(replayed ? 200 : 201).send({ sale: saleJson(sale), replayed });
    });

    scope.post('/api/conversions/refunds', { config: { csrf: false }, schema: { tags: ['conversions'], summary: 'Report a refund of a sale (signed like a sale)', headers } }, async (request, reply) => {
      const { campaignId, body } = await signed(request);
      const refund = await recordRefund(db, deps, campaignId, { orderId: body.order_id, refundId: body.refund_id, amount: body.amount, currency: body.currency, refundedAt: body.refunded_at });
      return reply.code(refund.replayed ? 200 : 201).send({ sale: saleJson(refund.sale), refund: { id: refund.refundId, commission_cancelled: centsToDecimalString(refund.commissionCents), after_confirmation: refund.afterConfirmation }, replayed: refund.replayed });
    });
  });
}
