/** The operators' campaign pages: the list, creation, one campaign's page, its status changes. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { CampaignStatus } from '../../db/schema.js';
import { CSRF_FIELD } from '../../http/context.js';
import { operatorActor, requireOperator } from '../../http/guards.js';
import { html, type Html } from '../../http/html.js';
import { submitForm, type FormError } from '../../http/forms.js';
import { renderPage } from '../../http/layout.js';
import { centsToDecimalString } from '../../lib/money.js';
import { createCampaign, getCampaign, listCampaigns, SALE_TERM_DEFAULTS, setCampaignStatus, updateCampaign, type Campaign, type CampaignInput } from '../campaigns/campaigns.js';
import { payText } from '../campaigns/campaign-pay.js';
import { paysPerSale } from '../sales/sale-terms.js';
import { createConversionSecret } from '../sales/conversion-secret.js';
import { salesOverview } from '../sales/sales-views.js';
import { salesAdminSection } from './sales-admin-views.js';
import { importPath } from './sales-import-pages.js';
import { allowedCampaignActions, CAMPAIGN_ACTIONS, CAMPAIGN_STATUSES, canMove, isFinalStatus } from '../campaigns/campaign-states.js';
import { confirmationPage, confirmProperty, isConfirmed } from './confirmation.js';
import { hidden, sendPage as send, statusLabel } from './admin-common.js';
import { campaignFigures } from './campaign-figures.js';
import { campaignReport, parseReportPeriod } from './operator-reports.js';
import { templateImages } from '../publishing/post-images.js';
import { campaignTemplates } from '../publishing/templates.js';
import { registerTemplateImagePages } from './template-image-pages.js';
import { postsSection, registerTemplatePages, type TemplateForm } from './template-pages.js';
import { answerPauseForm, pauseBody, pauseCounts, pauseSection, type PauseTarget } from './publishing-pause-pages.js';

const pauseTarget = (campaign: Campaign): PauseTarget => ({ kind: 'campaign', id: campaign.id, name: campaign.name, pausedAt: campaign.publishingPausedAt });

/** What an operator just did to a campaign, said in full on its page. */
const CAMPAIGN_DONE = ['created', 'saved', ...CAMPAIGN_STATUSES] as const;
type CampaignDone = (typeof CAMPAIGN_DONE)[number];
const DONE_MESSAGES = new Set<string>(CAMPAIGN_DONE);

export const campaignForm = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 1000 },
    targetUrl: { type: 'string', maxLength: 4000 },
    ratePerClickEur: { type: 'string', maxLength: 40 },
    posts: { type: 'string', maxLength: 30000 },
    brand: { type: 'string', maxLength: 1000 },
    commissionPercent: { type: 'string', maxLength: 40 },
    commissionFixedEur: { type: 'string', maxLength: 40 },
    attributionDays: { type: 'string', maxLength: 40 },
    holdingDays: { type: 'string', maxLength: 40 },
    clickParam: { type: 'string', maxLength: 200 },
    status: { type: 'string', maxLength: 20 },
    ...confirmProperty,
    [CSRF_FIELD]: { type: 'string' },
  },
} as const;

/** « Clé d'API de conversion »: make one (or a new one); the page that makes it shows it this once. */
function conversionKeySection(request: FastifyRequest, campaign: Campaign, secret?: string): Html {
  const { t } = request;
  return html`<section class="card" id="conversion-key" aria-labelledby="conversion-key-title">
  <h2 id="conversion-key-title">${t('rev.key.title')}</h2>
  ${secret
    ? html`<p class="ok" role="status">${t('rev.key.created')}</p>
  <label for="conversion-secret">${t('rev.key.label')}</label>
  <div class="copy-row"><input id="conversion-secret" type="text" readonly value="${secret}" autocomplete="off" spellcheck="false"><button type="button" class="copy" data-copy="conversion-secret" data-done="${t('portal.copied')}">${t('portal.copy')}</button></div>
  <p class="help">${t('rev.key.once', { campaign: campaign.id })}</p>
  <script src="/assets/app.js" defer></script>`
    : html`<p>${campaign.conversionSecretSealed ? t('rev.key.exists') : t('rev.key.none')}</p>`}
  <form method="post" action="/admin/campaigns/${campaign.id}/conversion-secret" class="inline">${hidden(request)}<button type="submit"${campaign.conversionSecretSealed ? html` class="secondary"` : ''}>${campaign.conversionSecretSealed ? t('rev.key.replace') : t('rev.key.create')}</button></form>
  <p class="help">${t('rev.key.help')}</p>
</section>`;
}

export function registerCampaignPages(app: FastifyInstance, { config, db }: { config: Config; db: Db }): void {
  function campaignFields(request: FastifyRequest, values: CampaignInput & { posts?: unknown }, error?: FormError): Html {
    const { t } = request;
    const field = (name: string, label: string, input: Html, help?: string) => html`<div class="field">
  <label for="c-${name}">${label}</label>${input}
  ${error?.field === name ? html`<p class="error" id="c-${name}-error" role="alert">${error.message}</p>` : ''}
  ${help ? html`<p class="help">${help}</p>` : ''}
</div>`;
    const invalid = (name: string) => (error?.field === name ? html` aria-invalid="true" aria-describedby="c-${name}-error"` : '');
    const posts = Array.isArray(values.posts) ? values.posts.join('\n---\n') : String(values.posts ?? '');
    return html`${field('name', t('campaign.name'), html`<input id="c-name" name="name" type="text" required maxlength="120" value="${String(values.name ?? '')}"${invalid('name')}>`)}
${field('targetUrl', t('campaign.targetUrl'), html`<input id="c-targetUrl" name="targetUrl" type="url" required value="${String(values.targetUrl ?? '')}"${invalid('targetUrl')}>`)}
${field('ratePerClickEur', t('campaign.rate'), html`<input id="c-ratePerClickEur" name="ratePerClickEur" type="text" inputmode="decimal" value="${String(values.ratePerClickEur ?? '')}" placeholder="${centsToDecimalString(config.defaultRateCents, { decimalSeparator: request.locale === 'fr' ? ',' : '.' })}"${invalid('ratePerClickEur')}>`, `${t('campaign.rate.help')} ${t('rev.terms.rate.help')}`)}
<fieldset class="terms"><legend>${t('rev.terms.pays')}</legend>
${field('commissionPercent', t('rev.terms.percent'), html`<input id="c-commissionPercent" name="commissionPercent" type="text" inputmode="decimal" value="${String(values.commissionPercent ?? '')}" placeholder="0"${invalid('commissionPercent')}>`, t('rev.terms.percent.help'))}
${field('commissionFixedEur', t('rev.terms.fixed'), html`<input id="c-commissionFixedEur" name="commissionFixedEur" type="text" inputmode="decimal" value="${String(values.commissionFixedEur ?? '')}" placeholder="0"${invalid('commissionFixedEur')}>`, t('rev.terms.fixed.help'))}
</fieldset>
<fieldset class="terms"><legend>${t('rev.terms.sales')}</legend>
${field('attributionDays', t('rev.terms.attribution'), html`<input id="c-attributionDays" name="attributionDays" type="text" inputmode="numeric" value="${String(values.attributionDays ?? '')}" placeholder="${SALE_TERM_DEFAULTS.attributionDays}"${invalid('attributionDays')}>`, t('rev.terms.attribution.help'))}
${field('holdingDays', t('rev.terms.holding'), html`<input id="c-holdingDays" name="holdingDays" type="text" inputmode="numeric" value="${String(values.holdingDays ?? '')}" placeholder="${SALE_TERM_DEFAULTS.holdingDays}"${invalid('holdingDays')}>`, t('rev.terms.holding.help'))}
${field('clickParam', t('rev.terms.clickParam'), html`<input id="c-clickParam" name="clickParam" type="text" maxlength="40" autocapitalize="off" spellcheck="false" value="${String(values.clickParam ?? '')}" placeholder="${SALE_TERM_DEFAULTS.clickParam}"${invalid('clickParam')}>`, t('rev.terms.clickParam.help'))}
<p class="help">${t('rev.terms.future')}</p>
</fieldset>
${field('posts', t('campaign.posts'), html`<textarea id="c-posts" name="posts" rows="6"${invalid('posts')}>${posts}</textarea>`, t('campaign.posts.help'))}
${field('brand', t('campaign.brand'), html`<input id="c-brand" name="brand" type="text" maxlength="60" value="${String(values.brand ?? '')}"${invalid('brand')}>`, t('campaign.brand.help'))}`;
  }

  async function campaignsPage(request: FastifyRequest, form: { values?: CampaignInput; error?: FormError } = {}): Promise<string> {
    const { t, locale } = request;
    const list = await listCampaigns(db);
    const rows = list.map(
      (c) => html`<tr><td data-label="${t('campaign.name')}" class="wrap"><a href="/admin/campaigns/${c.id}">${c.name}</a>${c.isDemo ? html` <span class="badge">${t('demo.badge')}</span>` : ''}</td><td data-label="${t('campaign.status')}">${statusLabel(t, c.status)}</td><td data-label="${t('rev.terms.paysColumn')}">${payText(t, locale, c)}</td><td data-label="${t('campaign.targetUrl')}" class="url">${c.targetUrl}</td></tr>`,
    );
    return renderPage(request, {
      title: t('admin.campaigns'),
      body: html`<h1>${t('admin.campaigns')}</h1>
${rows.length ? html`<table class="list stack-rows"><thead><tr><th scope="col">${t('campaign.name')}</th><th scope="col">${t('campaign.status')}</th><th scope="col">${t('rev.terms.paysColumn')}</th><th scope="col">${t('campaign.targetUrl')}</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p>${t('admin.campaigns.none')}</p>`}
<form method="post" action="/admin/campaigns" class="card" novalidate>
  <h2>${t('campaign.new')}</h2>
  ${hidden(request)}
  ${campaignFields(request, form.values ?? {}, form.error)}
  <button type="submit">${t('campaign.create')}</button>
</form>`,
    });
  }

  app.get('/admin/campaigns', async (request, reply) => {
    requireOperator(request);
    return send(reply, await campaignsPage(request));
  });

  app.post<{ Body: CampaignInput }>('/admin/campaigns', { schema: { body: campaignForm } }, async (request, reply) => {
    requireOperator(request);
    return submitForm(request, reply, () => createCampaign(db, request.body, config.defaultRateCents, operatorActor(request)), {
      done: (campaign) => reply.redirect(`/admin/campaigns/${campaign.id}?done=created`, 303),
      render: (error) => campaignsPage(request, { values: request.body, error }),
    });
  });

  async function campaignPage(request: FastifyRequest, campaign: Campaign, form: { values?: CampaignInput; error?: FormError; done?: string; days?: string; posts?: TemplateForm; secret?: string } = {}) {
    const { t, locale } = request;
    const report = await campaignReport(db, campaign.id, parseReportPeriod(form.days));
    const sales = await salesOverview(db, { campaignId: campaign.id });
    const templates = await campaignTemplates(db, campaign.id);
    const pause = pauseTarget(campaign);
    const pauseFigures = await pauseCounts(db, pause);
    const images = await templateImages(db, templates.map((template) => template.id));
    const decimals = (hundredths: number) => (hundredths === 0 ? '' : centsToDecimalString(hundredths, { decimalSeparator: locale === 'fr' ? ',' : '.' }).replace(/[.,]00$/, ''));
    const values = form.values ?? {
      name: campaign.name,
      targetUrl: campaign.targetUrl,
      ratePerClickEur: centsToDecimalString(campaign.rateCents, { decimalSeparator: request.locale === 'fr' ? ',' : '.' }),
      posts: campaign.posts,
      brand: campaign.brand ?? '',
      commissionPercent: decimals(campaign.commissionBp),
      commissionFixedEur: decimals(campaign.commissionFixedCents),
      attributionDays: String(campaign.attributionDays),
      holdingDays: String(campaign.holdingDays),
      clickParam: campaign.clickParam,
    };
    const actions = allowedCampaignActions(campaign).map((action): [CampaignStatus, string] => [CAMPAIGN_ACTIONS[action].to, t(`campaign.${action}`)]);
    return renderPage(request, {
      title: campaign.name,
      body: html`<p><a href="/admin/campaigns">← ${t('admin.campaigns')}</a></p>
<h1>${campaign.name}</h1>
${form.done && DONE_MESSAGES.has(form.done) ? html`<p class="ok" role="status">${t(`campaign.done.${form.done as CampaignDone}`, { name: campaign.name })}</p>` : ''}
${form.error && form.error.field === null ? html`<p class="error" role="alert">${form.error.message}</p>` : ''}
<p>${t('rev.terms.statusLine', { status: statusLabel(t, campaign.status), pays: payText(t, locale, campaign) })}</p>
${paysPerSale(campaign) ? html`<p class="help">${t('rev.terms.summary', { attribution: campaign.attributionDays, holding: campaign.holdingDays, param: campaign.clickParam })}</p>` : ''}
<div class="actions">${actions.map(([to, label]) => html`<form method="post" action="/admin/campaigns/${campaign.id}/status" class="inline">${hidden(request)}<input type="hidden" name="status" value="${to}"><button type="submit"${isFinalStatus(to) ? html` class="secondary"` : ''}>${label}</button></form>`)}</div>
${pauseSection(request, pause, pauseFigures, form.done)}
${campaignFigures(request, campaign.id, report)}
${salesAdminSection(request, sales, 'partner')}
<p><a href="${importPath(campaign.id)}">${t('import.link')}</a></p>
${conversionKeySection(request, campaign, form.secret)}
${postsSection(request, campaign, templates, { form: form.posts, done: form.done, images })}
<form method="post" action="/admin/campaigns/${campaign.id}" class="card" novalidate>
  <h2>${t('campaign.edit')}</h2>
  ${hidden(request)}
  ${campaignFields(request, values, form.error)}
  <p class="help">${t('campaign.rate.history')}</p>
  <button type="submit">${t('campaign.save')}</button>
</form>`,
    });
  }

  registerTemplatePages(app, { config, db }, campaignPage);

  app.post<{ Params: { id: string }; Body: { action?: string } }>('/admin/campaigns/:id/publishing', { schema: { body: pauseBody } }, async (request, reply) => {
    requireOperator(request);
    const campaign = await getCampaign(db, request.params.id);
    return answerPauseForm(request, reply, { db, publishing: app.publishing, target: pauseTarget(campaign), render: (error) => campaignPage(request, campaign, { error }) });
  });
  registerTemplateImagePages(app, { db }, campaignPage);

  app.get<{ Params: { id: string }; Querystring: { done?: string; days?: string } }>('/admin/campaigns/:id', async (request, reply) => {
    requireOperator(request);
    return send(reply, await campaignPage(request, await getCampaign(db, request.params.id), { done: request.query.done, days: request.query.days }));
  });

  app.post<{ Params: { id: string }; Body: CampaignInput }>('/admin/campaigns/:id', { schema: { body: campaignForm } }, async (request, reply) => {
    requireOperator(request);
    const campaign = await getCampaign(db, request.params.id);
    return submitForm(request, reply, () => updateCampaign(db, campaign.id, request.body, operatorActor(request)), {
      done: () => reply.redirect(`/admin/campaigns/${campaign.id}?done=saved`, 303),
      render: (error) => campaignPage(request, campaign, { values: request.body, error }),
    });
  });

  // The conversion API's key, shown once on the page this answers (never stored in the clear, never
  // in an address). Replacing a key stops the shop's integration: asked twice (confirmation.ts).
  app.post<{ Params: { id: string } }>('/admin/campaigns/:id/conversion-secret', { schema: { body: { type: 'object', properties: { ...confirmProperty, [CSRF_FIELD]: { type: 'string' } } } } }, async (request, reply) => {
    requireOperator(request);
    const campaign = await getCampaign(db, request.params.id);
    const { t } = request;
    if (campaign.conversionSecretSealed && !isConfirmed(request.body)) {
      return send(reply, confirmationPage(request, {
        title: t('rev.key.replace.title', { name: campaign.name }),
        effects: [t('rev.key.replace.effect'), t('rev.key.replace.once')],
        action: `/admin/campaigns/${campaign.id}/conversion-secret`,
        fields: {},
        confirmLabel: t('rev.key.replace.button'),
        back: `/admin/campaigns/${campaign.id}#conversion-key`,
      }));
    }
    const secret = await createConversionSecret(db, config, campaign.id, operatorActor(request));
    return send(reply, await campaignPage(request, await getCampaign(db, campaign.id), { secret }));
  });

  app.post<{ Params: { id: string }; Body: { status?: string } }>('/admin/campaigns/:id/status', { schema: { body: campaignForm } }, async (request, reply) => {
    requireOperator(request);
    const campaign = await getCampaign(db, request.params.id);
    const to = request.body.status as CampaignStatus;
    // Ending cannot be undone: the first POST only says what will happen (confirmation.ts).
    if ((CAMPAIGN_STATUSES as readonly string[]).includes(to) && isFinalStatus(to) && canMove(campaign.status, to) && !isConfirmed(request.body)) {
      const { t } = request;
      return send(reply, confirmationPage(request, {
        title: t('confirm.campaignEnd.title', { name: campaign.name }),
        effects: [t('confirm.campaignEnd.effect'), t('confirm.campaignEnd.final')],
        action: `/admin/campaigns/${campaign.id}/status`,
        fields: { status: to },
        confirmLabel: t('confirm.campaignEnd.button'),
        back: `/admin/campaigns/${campaign.id}`,
      }));
    }
    return submitForm(request, reply, () => setCampaignStatus(db, campaign.id, request.body.status ?? '', operatorActor(request)), {
      done: (after) => reply.redirect(`/admin/campaigns/${campaign.id}?done=${after.status}`, 303),
      // A refused change of status is shown above the page, not next to a field of the edit form.
      render: (error) => campaignPage(request, campaign, { error: { ...error, field: null } }),
    });
  });
}
