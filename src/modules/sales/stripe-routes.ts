/**
 * Stripe over HTTP: the webhook endpoint each campaign gives Stripe, and the operators' JSON route
 * that sets its signing secret (stripe-webhook.ts does the work). The webhook's body is kept as
 * the bytes received — the signature covers them, not a re-serialised object — by a JSON parser of
 * its own, in a scope holding this one route; it reads no session and needs no CSRF token (no
 * cookie is involved: the signature is the authentication).
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { apiOperatorActor } from '../../http/guards.js';
import { errorSchema, operatorRoute } from '../api/api-routes.js';
import type { SalesDeps } from './sales.js';
import { receiveStripeEvent, setStripeWebhook, STRIPE_WEBHOOK_EVENTS, stripeWebhookSettings, type StripeWebhookInput } from './stripe-webhook.js';

/** Stripe's events are a few kilobytes; a charge with many refunds, a few dozen. */
export const STRIPE_BODY_LIMIT_BYTES = 512 * 1024;

const campaignParam = { type: 'object', required: ['campaignId'], properties: { campaignId: { type: 'string', maxLength: 100 } } } as const;
const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;

const settingsJson = {
  type: 'object',
  properties: {
    configured: { type: 'boolean', description: 'Whether a signing secret is set (it is never returned)' },
    account: { type: ['string', 'null'], description: 'The only Stripe account (acct_…) whose events are taken; null: any' },
    endpoint: { type: 'string', description: 'The URL to give Stripe as the webhook endpoint' },
  },
} as const;

const outcomeJson = {
  type: 'object',
  properties: {
    received: { type: 'boolean' },
    outcome: { type: 'string', enum: ['sale_recorded', 'sale_replayed', 'refunds_recorded', 'ignored'] },
    eventId: { type: 'string' },
    reason: { type: 'string', description: 'Why an event was ignored: event_type, not_paid, no_amount, already_refunded' },
    saleId: { type: 'string' },
    orderId: { type: 'string' },
    attribution: { type: 'string' },
    commissionCents: { type: 'integer' },
    refunds: { type: 'array', items: { type: 'object', properties: { reference: { type: 'string' }, amountCents: { type: 'integer' }, replayed: { type: 'boolean' } } } },
  },
} as const;

export function registerStripeRoutes(app: FastifyInstance, { config, db, sales }: { config: Config; db: Db; sales: SalesDeps }): void {
  void app.register(async (scope) => {
    // This scope's only body: JSON, kept raw for the signature (any other type is a 415).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: STRIPE_BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));

    scope.post<{ Params: { campaignId: string } }>('/api/stripe/:campaignId/webhook', {
      config: { session: false, csrf: false, storesText: false },
      schema: {
        tags: ['sales'],
        summary: 'A campaign’s Stripe webhook endpoint (signed with its signing secret)',
        description: `Takes ${STRIPE_WEBHOOK_EVENTS.join(', ')}; any other event is answered 200 and ignored. Stripe retries every non-2xx answer: 404 is for what a retry can fix (no signing secret yet, a refund arriving before its sale), 400 and 409 for what it cannot.`,
        params: campaignParam,
        response: { 200: outcomeJson, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    }, async (request) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const outcome = await receiveStripeEvent(db, { config, sales }, request.params.campaignId, body, request.headers['stripe-signature'] as string | undefined);
      return { received: true, ...outcome };
    });
  });

  app.get<{ Params: { id: string } }>('/api/admin/campaigns/:id/stripe', {
    schema: { ...operatorRoute, summary: 'A campaign’s Stripe webhook: its endpoint, whether a signing secret is set, the account', params: idParam, response: { 200: settingsJson, 401: errorSchema, 403: errorSchema, 404: errorSchema } },
  }, async (request) => {
    apiOperatorActor(request, config);
    return stripeWebhookSettings(db, config, request.params.id);
  });

  app.put<{ Params: { id: string }; Body: StripeWebhookInput }>('/api/admin/campaigns/:id/stripe', {
    schema: {
      ...operatorRoute,
      summary: 'Set a campaign’s Stripe webhook signing secret (whsec_…, stored sealed, never returned) and, optionally, the only account whose events are taken',
      params: idParam,
      body: {
        type: 'object',
        required: ['secret'],
        properties: { secret: { type: 'string', maxLength: 300 }, account: { type: ['string', 'null'], maxLength: 100 } },
        additionalProperties: false,
      },
      response: { 200: settingsJson, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
    },
  }, async (request) => {
    const actor = apiOperatorActor(request, config);
    return setStripeWebhook(db, config, request.params.id, request.body, actor);
  });
}
