/**
 * The JSON API: the partner's own data (`/api/me/…`), the public leaderboard, and the operators'
 * campaigns and partners (`/api/admin/…`, operator session or `Authorization: Bearer ADMIN_API_TOKEN`).
 * Every route carries its schema; @fastify/swagger turns them into /api/openapi.json.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { REFUSAL_REASONS } from '../../db/schema.js';
import { CAMPAIGN_ACTION_NAMES, CAMPAIGN_ACTIONS, CAMPAIGN_STATUSES } from '../campaigns/campaign-states.js';
import { apiOperatorActor, requirePartner } from '../../http/guards.js';
import { createCampaign, listCampaigns, setCampaignStatus, updateCampaign, type Campaign, type CampaignInput } from '../campaigns/campaigns.js';
import { payText, type CampaignPay } from '../campaigns/campaign-pay.js';
import { readyPost } from '../campaigns/ready-posts.js';
import { linkUrl, partnerLinks } from '../campaigns/tracked-links.js';
import { fallbackEpcCents, partnerBalance } from '../earnings/balance.js';
import { leaderboard, parseLeaderboardDays } from '../earnings/leaderboard.js';
import { listPartners, type Partner } from '../partners/partners.js';
import { decidePartnerStatus } from '../partners/status-decisions.js';
import type { Mailer } from '../mail/mailer.js';
import { centsToDecimalString } from '../../lib/money.js';

/** The body of every refusal: a stable code, a sentence in the caller's language, the field at fault. */
export const errorSchema = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } } as const;
const error = errorSchema;

type Security = Array<Record<string, string[]>>;
/** OpenAPI tags and security of the partner's and the operators' routes. */
export const partnerRoute = { tags: ['partner'], security: [{ session: [] }] as Security };
export const operatorRoute = { tags: ['operator'], security: [{ bearer: [] }, { session: [] }] as Security };
const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;

/** What a campaign pays, from its columns: per click, a share of sales, a fixed amount per sale, and all of it in words. */
const payJson = {
  commissionBp: { type: 'integer', description: 'Share of each sale, in basis points (800 = 8 %)' },
  commissionPercent: { type: 'string', description: 'The same share in percent, exact ("8.00")' },
  commissionFixedCents: { type: 'integer', description: 'Fixed amount per sale, in cents' },
  pays: { type: 'string', description: 'What it pays, in the request’s language: « 0,12 € par clic + 8 % des ventes »' },
} as const;

function payView(request: FastifyRequest, pay: CampaignPay) {
  return {
    commissionBp: pay.commissionBp,
    commissionPercent: centsToDecimalString(pay.commissionBp),
    commissionFixedCents: pay.commissionFixedCents,
    pays: payText(request.t, request.locale, pay),
  };
}

const campaignJson = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    targetUrl: { type: 'string' },
    ratePerClickCents: { type: 'integer' },
    ratePerClickEur: { type: 'string', description: 'Decimal euros, exact' },
    ...payJson,
    attributionDays: { type: 'integer', description: 'A sale earns when its click is at most this many days older' },
    holdingDays: { type: 'integer', description: 'A commission is pending this many days after its sale' },
    clickParam: { type: 'string', description: 'The query parameter carrying the click id to the shop' },
    status: { type: 'string', enum: [...CAMPAIGN_STATUSES] },
    posts: { type: 'array', items: { type: 'string' } },
    isDemo: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const campaignBody = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 1000 },
    targetUrl: { type: 'string', maxLength: 4000 },
    ratePerClickEur: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 40 }], description: 'Euros per valid click, e.g. 0.12 or "0,12"; absent = DEFAULT_EPC_EUR; 0 when the campaign pays per sale only' },
    commissionPercent: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 40 }], description: 'Share of each sale in percent, 0 to 100, at most 2 decimals' },
    commissionFixedEur: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 40 }], description: 'Fixed euros per sale, at most 2 decimals' },
    attributionDays: { anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 40 }], description: '1 to 365 (default 30)' },
    holdingDays: { anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 40 }], description: '0 to 365 (default 30)' },
    clickParam: { type: 'string', maxLength: 200, description: 'A letter, then letters, digits or _ (default pe_click)' },
    posts: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 20000 } },
  },
  additionalProperties: false,
} as const;

const partnerJson = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    email: { type: 'string' },
    pseudonym: { type: ['string', 'null'] },
    role: { type: 'string' },
    status: { type: 'string' },
    statusReason: { type: ['string', 'null'], description: 'Why the partner is suspended (they are told); null when active' },
    isDemo: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

function campaignView(request: FastifyRequest, campaign: Campaign) {
  return {
    id: campaign.id,
    name: campaign.name,
    targetUrl: campaign.targetUrl,
    ratePerClickCents: campaign.rateCents,
    ratePerClickEur: centsToDecimalString(campaign.rateCents),
    ...payView(request, campaign),
    attributionDays: campaign.attributionDays,
    holdingDays: campaign.holdingDays,
    clickParam: campaign.clickParam,
    status: campaign.status,
    posts: campaign.posts,
    isDemo: campaign.isDemo,
    createdAt: campaign.createdAt.toISOString(),
  };
}

function partnerView(partner: Partner) {
  return {
    id: partner.id,
    email: partner.email,
    pseudonym: partner.pseudonym,
    role: partner.role,
    status: partner.status,
    statusReason: partner.statusReason,
    isDemo: partner.isDemo,
    createdAt: partner.createdAt.toISOString(),
  };
}

/**
 * An operator: by bearer token when an Authorization header is sent (and then only by it), else by
 * the signed-in operator's session.
 */

export function registerApiRoutes(app: FastifyInstance, { config, db, mailer }: { config: Config; db: Db; mailer: Mailer }): void {
  const me = partnerRoute;
  const admin = operatorRoute;

  app.get('/api/me/links', {
    schema: {
      ...me,
      summary: 'The signed-in partner’s tracked link for every active campaign, with ready-to-post texts',
      response: {
        200: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              campaignId: { type: 'string' },
              campaignName: { type: 'string' },
              code: { type: 'string' },
              url: { type: 'string' },
              ratePerClickCents: { type: 'integer' },
              ...payJson,
              posts: { type: 'array', items: { type: 'string' } },
            },
          },
        },
        401: error,
      },
    },
  }, async (request) => {
    const partner = requirePartner(request);
    const links = await partnerLinks(db, partner.partnerId, { activeOnly: true });
    return links.map((link) => {
      const url = linkUrl(config.baseUrl, link.code);
      return { campaignId: link.campaignId, campaignName: link.campaignName, code: link.code, url, ratePerClickCents: link.rateCents, ...payView(request, link), posts: link.posts.map((post) => readyPost(post, url)) };
    });
  });

  app.get('/api/me/balance', {
    schema: {
      ...me,
      summary: 'The signed-in partner’s balance in integer cents, over all time',
      response: {
        200: {
          type: 'object',
          properties: {
            earnedCents: { type: 'integer' },
            paidCents: { type: 'integer' },
            pendingCents: { type: 'integer' },
            availableCents: { type: 'integer' },
            validClicks90d: { type: 'integer' },
            epcCents90d: { type: 'integer' },
            notCounted: { type: 'object', properties: Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, { type: 'integer' }])) },
          },
        },
        401: error,
      },
    },
  }, async (request) => {
    const partner = requirePartner(request);
    const balance = await partnerBalance(db, partner.partnerId, { fallbackEpcCents: await fallbackEpcCents(db, config.defaultRateCents), clickHoldingDays: config.clickHoldingDays });
    return {
      earnedCents: balance.earnedCents,
      paidCents: balance.paidCents,
      pendingCents: balance.pendingCents,
      availableCents: balance.availableCents,
      validClicks90d: balance.validClicks90d,
      epcCents90d: balance.epcCents90d,
      notCounted: balance.notCounted,
    };
  });

  app.get<{ Querystring: { days?: string } }>('/api/leaderboard', {
    schema: {
      tags: ['public'],
      summary: 'Top 20 partners by valid clicks over the last `days` days (1–90, default 7)',
      querystring: { type: 'object', properties: { days: { type: 'string', maxLength: 32 } } },
      response: {
        200: { type: 'array', items: { type: 'object', properties: { rank: { type: 'integer' }, label: { type: 'string' }, clicks: { type: 'integer' } } } },
        400: error,
      },
    },
  }, async (request) => {
    const days = parseLeaderboardDays(request.query.days);
    const board = await leaderboard(db, days);
    return board.top.map(({ rank, label, clicks }) => ({ rank, label, clicks }));
  });

  app.get('/api/admin/campaigns', {
    schema: { ...admin, summary: 'All campaigns', response: { 200: { type: 'array', items: campaignJson }, 401: error, 403: error } },
  }, async (request) => {
    apiOperatorActor(request, config);
    return (await listCampaigns(db)).map((campaign) => campaignView(request, campaign));
  });

  app.post<{ Body: CampaignInput }>('/api/admin/campaigns', {
    schema: { ...admin, summary: 'Create a campaign; every existing partner gets a link at once', body: campaignBody, response: { 201: campaignJson, 400: error, 401: error, 403: error } },
  }, async (request, reply) => {
    const actor = apiOperatorActor(request, config);
    const campaign = await createCampaign(db, request.body ?? {}, config.defaultRateCents, actor);
    return reply.code(201).send(campaignView(request, campaign));
  });

  app.patch<{ Params: { id: string }; Body: CampaignInput }>('/api/admin/campaigns/:id', {
    schema: { ...admin, summary: 'Edit a campaign (past clicks keep their rate)', params: idParam, body: campaignBody, response: { 200: campaignJson, 400: error, 404: error } },
  }, async (request) => {
    const actor = apiOperatorActor(request, config);
    return campaignView(request, await updateCampaign(db, request.params.id, request.body ?? {}, actor));
  });

  for (const verb of CAMPAIGN_ACTION_NAMES) {
    const status = CAMPAIGN_ACTIONS[verb].to;
    app.post<{ Params: { id: string } }>(`/api/admin/campaigns/:id/${verb}`, {
      schema: { ...admin, summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} a campaign (409 when not allowed from its state)`, params: idParam, response: { 200: campaignJson, 404: error, 409: error } },
    }, async (request) => {
      const actor = apiOperatorActor(request, config);
      return campaignView(request, await setCampaignStatus(db, request.params.id, status, actor));
    });
  }

  app.get<{ Querystring: { q?: string } }>('/api/admin/partners', {
    schema: { ...admin, summary: 'Partners, optionally filtered by email or pseudonym', querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 200 } } }, response: { 200: { type: 'array', items: partnerJson } } },
  }, async (request) => {
    apiOperatorActor(request, config);
    return (await listPartners(db, { search: request.query.q })).map(partnerView);
  });

  // An API call is explicit: no confirmation step. A suspension needs its reason, emailed to the partner.
  for (const [verb, status] of [['suspend', 'suspended'], ['reinstate', 'active']] as const) {
    app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(`/api/admin/partners/:id/${verb}`, {
      schema: {
        ...admin,
        summary: verb === 'suspend' ? 'Suspend a partner (a reason is required; the partner is emailed it)' : 'Reinstate a partner (they are emailed)',
        params: idParam,
        // A reinstatement may come with no body at all; a suspension needs one (its reason).
        ...(verb === 'suspend' ? { body: { type: 'object', properties: { reason: { type: 'string', maxLength: 2000 } } } } : {}),
        response: { 200: partnerJson, 400: error, 404: error },
      },
    }, async (request) => {
      const actor = apiOperatorActor(request, config);
      return partnerView(await decidePartnerStatus({ db, config, mailer, log: request.log }, request.params.id, status, actor, request.body?.reason));
    });
  }

  app.get('/api/openapi.json', { schema: { hide: true }, config: { session: false } }, async () => app.swagger());

}
