/** Withdrawals in the JSON API: the partner's requests, the operators' decisions and files. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { apiOperatorActor, requirePartner } from '../../http/guards.js';
import { DomainError } from '../../lib/errors.js';
import { errorSchema, operatorRoute, partnerRoute } from '../api/api-routes.js';
import type { Mailer } from '../mail/mailer.js';
import { askForPayoutMethodChange, askForWithdrawal, decideWithdrawal, payPayoutFile } from './decisions.js';
import { partnerPayoutMethod } from './payout-method.js';
import { limitPayoutMethodAsks } from './payout-method-pages.js';
import { cancelPayoutFile, createPayoutFile, payoutFileBody } from './payout-files.js';
import { WITHDRAWAL_STATUSES } from './withdrawal-states.js';
import { listWithdrawals, parseStatusFilter, partnerWithdrawals, type Withdrawal, type WithdrawalRow } from './withdrawals.js';
import { centsToDecimalString } from '../../lib/money.js';

const error = errorSchema;
const withdrawalJson = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    amountCents: { type: 'integer' },
    amountEur: { type: 'string' },
    method: { type: 'string', enum: ['paypal', 'bank'] },
    detailsMasked: { type: 'string' },
    status: { type: 'string', enum: [...WITHDRAWAL_STATUSES] },
    reason: { type: ['string', 'null'] },
    reference: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    approvedAt: { type: ['string', 'null'] },
    processedAt: { type: ['string', 'null'] },
    partnerId: { type: 'string' },
    partnerEmail: { type: 'string' },
  },
} as const;

function view(w: Withdrawal | WithdrawalRow) {
  return {
    id: w.id,
    amountCents: w.amountCents,
    amountEur: centsToDecimalString(w.amountCents),
    method: w.method,
    detailsMasked: w.detailsMasked,
    status: w.status,
    reason: w.reason,
    reference: w.reference,
    createdAt: w.createdAt.toISOString(),
    approvedAt: w.approvedAt?.toISOString() ?? null,
    processedAt: w.processedAt?.toISOString() ?? null,
    ...('partnerEmail' in w ? { partnerId: w.partnerId, partnerEmail: w.partnerEmail } : {}),
  };
}

export function registerWithdrawalApi(app: FastifyInstance, { config, db, mailer }: { config: Config; db: Db; mailer: Mailer }): void {
  const me = partnerRoute;
  const admin = operatorRoute;
  const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;

  app.post<{ Body: { amount?: string | number; method?: string; details?: string; holderName?: string } }>('/api/me/withdrawals', {
    schema: {
      ...me,
      summary: 'Ask for a withdrawal (the partner gets an email); the Idempotency-Key header makes a retry return the first result. With a saved payout method, send only the amount: money goes to that method only',
      headers: { type: 'object', required: ['idempotency-key'], properties: { 'idempotency-key': { type: 'string', minLength: 8, maxLength: 100 } } },
      body: {
        type: 'object',
        required: ['amount'],
        properties: {
          amount: { anyOf: [{ type: 'string', maxLength: 40 }, { type: 'number' }], description: 'Euros, a plain decimal with at most 2 decimals ("12.50" or "12,50"), or "all": everything available' },
          method: { type: 'string', maxLength: 20, description: 'Without a saved payout method only' },
          details: { type: 'string', maxLength: 200, description: 'PayPal email, or IBAN for bank; without a saved payout method only' },
          holderName: { type: 'string', maxLength: 200, description: 'Account holder, for bank; without a saved payout method only' },
        },
        additionalProperties: false,
      },
      response: { 201: withdrawalJson, 400: error, 401: error, 409: error, 422: error },
    },
  }, async (request, reply) => {
    const partner = requirePartner(request);
    const key = request.headers['idempotency-key'] as string;
    const { withdrawal, replayed } = await askForWithdrawal({ db, config, mailer, log: request.log }, partner.partnerId, request.body, key);
    if (replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(view(withdrawal));
  });

  const methodJson = { type: ['object', 'null'], properties: { method: { type: 'string', enum: ['paypal', 'bank'] }, detailsMasked: { type: 'string' }, confirmedAt: { type: 'string', format: 'date-time' }, expiresAt: { type: 'string', format: 'date-time' } } } as const;
  const payoutMethodJson = { type: 'object', properties: { saved: methodJson, pending: methodJson } } as const;
  async function payoutMethodView(partnerId: string) {
    const { saved, pending } = await partnerPayoutMethod(db, partnerId);
    return {
      saved: saved ? { method: saved.method, detailsMasked: saved.detailsMasked, confirmedAt: saved.confirmedAt.toISOString() } : null,
      pending: pending ? { method: pending.method, detailsMasked: pending.detailsMasked, expiresAt: pending.expiresAt.toISOString() } : null,
    };
  }

  app.get('/api/me/payout-method', {
    schema: { ...me, summary: 'The signed-in partner’s saved payout method (masked), and a change waiting for its email confirmation', response: { 200: payoutMethodJson, 401: error } },
  }, async (request) => payoutMethodView(requirePartner(request).partnerId));

  app.post<{ Body: { method?: string; details?: string; holderName?: string } }>('/api/me/payout-method', {
    schema: {
      ...me,
      summary: 'Ask to save a payout method: it waits, and a one-time link (24 h) goes to the partner’s email; only that link makes it the method requests use (202)',
      body: {
        type: 'object',
        required: ['method', 'details'],
        properties: { method: { type: 'string', maxLength: 20 }, details: { type: 'string', maxLength: 200 }, holderName: { type: 'string', maxLength: 200 } },
        additionalProperties: false,
      },
      response: { 202: payoutMethodJson, 400: error, 401: error, 409: error, 429: error },
    },
  }, async (request, reply) => {
    const partner = requirePartner(request);
    await limitPayoutMethodAsks(db, config, partner.partnerId);
    await askForPayoutMethodChange({ db, config, mailer, log: request.log }, partner.partnerId, request.body);
    return reply.code(202).send(await payoutMethodView(partner.partnerId));
  });

  app.get('/api/me/withdrawals', {
    schema: { ...me, summary: 'The signed-in partner’s withdrawal requests, newest first', response: { 200: { type: 'array', items: withdrawalJson }, 401: error } },
  }, async (request) => {
    const partner = requirePartner(request);
    return (await partnerWithdrawals(db, partner.partnerId)).map(view);
  });

  app.get<{ Querystring: { status?: string } }>('/api/admin/withdrawals', {
    schema: { ...admin, summary: 'Withdrawal requests, optionally by status', querystring: { type: 'object', properties: { status: { type: 'string', maxLength: 20 } } }, response: { 200: { type: 'array', items: withdrawalJson }, 400: error } },
  }, async (request) => {
    apiOperatorActor(request, config);
    const status = parseStatusFilter(request.query.status);
    return (await listWithdrawals(db, status)).map(view);
  });

  const actions = [
    ['approve', 'Approve a requested withdrawal', {}],
    ['reject', 'Reject a requested or approved withdrawal (the amount returns to available)', { type: 'object', required: ['reason'], properties: { reason: { type: 'string', maxLength: 2000 } } }],
    ['pay', 'Mark an approved withdrawal paid: records exactly one payout', { type: 'object', required: ['reference'], properties: { reference: { type: 'string', maxLength: 1000 } } }],
  ] as const;
  for (const [action, summary, body] of actions) {
    app.post<{ Params: { id: string }; Body: { reason?: string; reference?: string } }>(`/api/admin/withdrawals/:id/${action}`, {
      schema: { ...admin, summary, params: idParam, ...(action === 'approve' ? {} : { body }), response: { 200: withdrawalJson, 400: error, 404: error, 409: error } },
    }, async (request) => {
      const actor = apiOperatorActor(request, config);
      const result = await decideWithdrawal({ db, config, mailer, log: request.log }, request.params.id, action, actor, request.body ?? {});
      return view(result.after);
    });
  }

  for (const [slug, method] of [['sepa', 'bank'], ['paypal', 'paypal']] as const) {
    // Creating a file locks every approved request into it: a state change, so a POST only, with
    // the CSRF protection of every POST (a bearer token, a JSON body, or the session's token).
    app.post(`/api/admin/payout-files/${slug}`, {
      schema: { ...admin, summary: `${slug === 'sepa' ? 'SEPA credit transfer (pain.001.001.03)' : 'PayPal Payouts CSV'}: a new file of every approved ${slug === 'sepa' ? 'bank' : 'PayPal'} request not yet in an open file; its id is in X-Message-Id (409 when there is none)`, response: { 409: error } },
    }, async (request: FastifyRequest, reply: FastifyReply) => {
      const actor = apiOperatorActor(request, config);
      const file = await createPayoutFile(db, config, method, actor);
      return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).header('x-message-id', file.messageId).send(file.body);
    });
    // A GET here used to create a file. It now says where to go instead of matching `:messageId`
    // below and answering a misleading 404.
    app.get(`/api/admin/payout-files/${slug}`, { schema: { hide: true } }, async (_request, reply) => {
      reply.header('allow', 'POST');
      throw new DomainError('method_not_allowed', 405, 'payout.error.createIsPost', {}, null, 'error.405.title');
    });
  }

  const messageParam = { type: 'object', properties: { messageId: { type: 'string', maxLength: 40 } } } as const;
  app.get<{ Params: { messageId: string } }>('/api/admin/payout-files/:messageId', {
    schema: { ...admin, summary: 'Download an existing payout file again', params: messageParam, response: { 404: error } },
  }, async (request, reply) => {
    apiOperatorActor(request, config);
    const file = await payoutFileBody(db, config, request.params.messageId);
    return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).header('x-message-id', file.messageId).send(file.body);
  });

  app.post<{ Params: { messageId: string } }>('/api/admin/payout-files/:messageId/pay', {
    schema: { ...admin, summary: 'The bank or PayPal paid the file: every request in it becomes one payout, with the message id as reference', params: messageParam, response: { 200: { type: 'object', properties: { paid: { type: 'array', items: { type: 'string' } } } }, 404: error, 409: error } },
  }, async (request) => {
    const actor = apiOperatorActor(request, config);
    const paid = await payPayoutFile({ db, config, mailer, log: request.log }, request.params.messageId, actor);
    return { paid: paid.map((r) => r.after.id) };
  });

  app.post<{ Params: { messageId: string } }>('/api/admin/payout-files/:messageId/cancel', {
    schema: { ...admin, summary: 'Cancel an unpaid file: its requests are free to be rejected, paid alone or put in a new file', params: messageParam, response: { 200: { type: 'object', properties: { cancelled: { type: 'string' } } }, 404: error, 409: error } },
  }, async (request) => {
    const actor = apiOperatorActor(request, config);
    await cancelPayoutFile(db, request.params.messageId, actor);
    return { cancelled: request.params.messageId };
  });
}
