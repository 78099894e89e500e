/**
 * The « Posts » section of a campaign's page in the back-office: the campaign's posts (texts,
 * status, publications by state, what their links brought), a new post, texts added to one, and
 * withdrawing one (confirmed first: its waiting publications disappear). Each form calls one
 * service of publishing/templates.ts, then redirects with a done message, or shows the campaign's
 * page again with the refusal next to its field (the form's action ends with its own anchor, so the
 * browser shows the refused form rather than the top of a long page).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { LOCALES } from '../../config.js';
import type { Db } from '../../db/client.js';
import { NETWORKS, type PublicationState } from '../../db/schema.js';
import { CSRF_FIELD } from '../../http/context.js';
import { submitForm, type FormError } from '../../http/forms.js';
import { operatorActor, requireOperator } from '../../http/guards.js';
import { html, type Html } from '../../http/html.js';
import type { MessageKey } from '../../i18n/index.js';
import { formatDate } from '../../lib/dates.js';
import { formatCents } from '../../lib/money.js';
import { getCampaign, type Campaign } from '../campaigns/campaigns.js';
import { formatCount } from '../../lib/numbers.js';
import { addTemplateTexts, brandOf, byEarnings, campaignTemplates, createTemplate, getTemplate, withdrawTemplate, type PublicationFigures, type TemplateSummary, type TemplateTextsInput } from '../publishing/templates.js';
import type { PostImageInfo } from '../publishing/post-images.js';
import { hidden, sendPage as send } from './admin-common.js';
import { confirmationPage, confirmProperty, isConfirmed } from './confirmation.js';
import { templateImageBlock } from './template-image-pages.js';

/** What an operator just did to a post, said at the top of the section. */
export const TEMPLATE_DONE = { template_created: 'template.done.created', template_texts: 'template.done.texts', template_withdrawn: 'template.done.withdrawn', template_image: 'template.done.image', template_image_removed: 'template.done.imageRemoved' } as const satisfies Record<string, MessageKey>;

/** A refused form of the section: the post it is about (null: « Nouveau post »), what was typed, why. */
export interface TemplateForm {
  templateId: string | null;
  /** The post's image form (template-image-pages.ts) rather than its texts'. */
  kind?: 'image';
  values: TemplateTextsInput & { description?: unknown; caption?: unknown };
  error: FormError;
}

/** Publications by state, in the order of their life: what waits first, what is over last. */
const STATE_ORDER: readonly PublicationState[] = ['pending_review', 'scheduled', 'unconfirmed', 'failed', 'approved', 'publishing', 'published', 'declined', 'withdrawn'];

const templateBody = {
  type: 'object',
  properties: {
    locale: { type: 'string', maxLength: 20 },
    network: { type: 'string', maxLength: 40 },
    texts: { type: 'string', maxLength: 30000 },
    ...confirmProperty,
    [CSRF_FIELD]: { type: 'string' },
  },
} as const;

const done = (campaignId: string, what: keyof typeof TEMPLATE_DONE) => `/admin/campaigns/${campaignId}?done=${what}#posts`;

/** Language, network and texts: the fields of a new post and of texts added to one (`prefix` keeps ids apart). */
function textFields(request: FastifyRequest, campaign: Campaign, prefix: string, values: TemplateTextsInput, error: FormError | undefined): Html {
  const { t } = request;
  const at = (name: string) => (error?.field === name ? error : undefined);
  const described = (name: string, help: boolean) => {
    const ids = [at(name) ? `${prefix}-${name}-error` : '', help ? `${prefix}-${name}-help` : ''].filter(Boolean).join(' ');
    return html`${at(name) ? html` aria-invalid="true"` : ''}${ids ? html` aria-describedby="${ids}"` : ''}`;
  };
  const below = (name: string, help?: string) => html`${at(name) ? html`<p class="error" id="${prefix}-${name}-error" role="alert">${at(name)!.message}</p>` : ''}${help ? html`<p class="help" id="${prefix}-${name}-help">${help}</p>` : ''}`;
  const locale = typeof values.locale === 'string' ? values.locale : request.locale;
  const network = typeof values.network === 'string' ? values.network : '';
  const option = (value: string, label: string, chosen: string) => html`<option value="${value}"${value === chosen ? html` selected` : ''}>${label}</option>`;
  return html`<div class="template-choices">
  <div class="field"><label for="${prefix}-locale">${t('template.locale')}</label>
  <select id="${prefix}-locale" name="locale"${described('locale', false)}>${LOCALES.map((code) => option(code, t(`template.locale.${code}`), locale))}</select>${below('locale')}</div>
  <div class="field"><label for="${prefix}-network">${t('template.network')}</label>
  <select id="${prefix}-network" name="network"${described('network', true)}>${option('', t('template.allNetworks'), network)}${NETWORKS.map((name) => option(name, t(`accounts.network.${name}`), network))}</select>${below('network', t('template.network.help'))}</div>
</div>
<div class="field"><label for="${prefix}-texts">${t('template.texts')}</label>
<textarea id="${prefix}-texts" name="texts" rows="6"${described('texts', true)}>${typeof values.texts === 'string' ? values.texts : ''}</textarea>${below('texts', t('template.texts.help', { brand: brandOf(campaign) }))}</div>`;
}

/** A text's figures, one small tile each: they wrap two or three to a row on a phone, one row on a desktop. */
function figureTiles(request: FastifyRequest, figures: PublicationFigures): Html {
  const { t, locale } = request;
  const tiles: Array<[string, string]> = [
    [t('opAuto.figure.publications'), formatCount(figures.publications, locale)],
    [t('opAuto.figure.published'), formatCount(figures.published, locale)],
    [t('opAuto.figure.autopilot'), formatCount(figures.autopilot, locale)],
    [t('opAuto.figure.clicks'), formatCount(figures.clicks, locale)],
    [t('opAuto.figure.valid'), formatCount(figures.validClicks, locale)],
    [t('opAuto.figure.earned'), formatCents(figures.earnedCents, locale)],
  ];
  return html`<dl class="text-figures">${tiles.map(([label, value], index) => html`<div${index === tiles.length - 1 ? html` class="main"` : ''}><dt>${label}</dt><dd>${value}</dd></div>`)}</dl>`;
}

/** The text that earned most over all the campaign's posts, named at the top of the section (none before a cent is earned). */
function bestText(request: FastifyRequest, templates: TemplateSummary[]): Html | '' {
  const { t, locale } = request;
  const best = templates.flatMap((template) => template.variants.map((variant) => ({ template, variant }))).sort((a, b) => byEarnings(a.variant, b.variant))[0];
  if (!best || best.variant.earnedCents <= 0) return '';
  const words = [...best.variant.body.replace(/\s+/g, ' ').trim()];
  const excerpt = words.length > BEST_EXCERPT ? `${words.slice(0, BEST_EXCERPT - 1).join('').trimEnd()}…` : words.join('');
  return html`<p class="notice best-text">${t('opAuto.best', { text: excerpt, euros: formatCents(best.variant.earnedCents, locale), valid: best.variant.validClicks })} <a href="#template-${best.template.id}">${t('opAuto.best.see', { date: formatDate(best.template.createdAt, locale, { time: true }) })}</a></p>`;
}

/** Characters of the best text quoted at the top of the section. */
const BEST_EXCERPT = 80;

function templateCard(request: FastifyRequest, campaign: Campaign, template: TemplateSummary, form: TemplateForm | undefined, image: PostImageInfo | undefined): Html {
  const { t, locale } = request;
  const mine = form?.templateId === template.id && form.kind !== 'image' ? form : undefined;
  const states = STATE_ORDER.filter((state) => (template.states[state] ?? 0) > 0).map((state) => t(`template.count.${state}`, { n: template.states[state]! }));
  const withdrawn = template.status === 'withdrawn';
  // The text that earned most first (campaignTemplates sorts them), each with its own figures.
  const texts = template.variants.map(
    (variant) => html`<li><p class="template-text-meta">${t(`template.locale.${variant.locale}`)} · ${variant.network ? t(`accounts.network.${variant.network}`) : t('template.allNetworks')}</p><p class="template-text">${variant.body}</p>${figureTiles(request, variant)}</li>`,
  );
  const date = formatDate(template.createdAt, locale, { time: true });
  return html`<li class="card template${withdrawn ? ' template-withdrawn' : ''}" id="template-${template.id}">
<div class="template-head"><h3><time datetime="${template.createdAt.toISOString()}">${t('template.heading', { date })}</time></h3>
<span class="status status-template-${template.status}">${withdrawn ? t('template.status.withdrawn', { date: formatDate(template.withdrawnAt!, locale) }) : t('template.status.active')}</span></div>
${mine && mine.error.field === null ? html`<p class="error" role="alert">${mine.error.message}</p>` : ''}
<dl class="template-facts">
  <div><dt>${t('template.publications')}</dt><dd>${states.length ? states.join(' · ') : t('template.publications.none')}</dd></div>
  <div><dt>${t('template.figures')}</dt><dd>${t('posts.figures', { clicks: template.clicks, valid: template.validClicks, euros: formatCents(template.earnedCents, locale) })}</dd></div>
  <div><dt>${t('opAuto.template.autopilot')}</dt><dd>${template.published ? t('opAuto.template.autopilotCount', { n: template.autopilot, published: template.published }) : t('opAuto.template.autopilotNone')}</dd></div>
</dl>
<h4>${template.variants.length > 1 ? t('opAuto.texts.ranked') : t('template.texts.of')}</h4>
<ol class="template-texts">${texts}</ol>
${templateImageBlock(request, campaign, template, image, form?.templateId === template.id && form.kind === 'image' ? form : undefined)}
${withdrawn
  ? ''
  : html`<details class="template-add"${mine && mine.error.field !== null ? html` open` : ''}><summary>${t('template.add')}</summary>
<form method="post" action="/admin/templates/${template.id}/texts#template-${template.id}" novalidate>
  ${hidden(request)}
  ${textFields(request, campaign, `t-${template.id}`, mine?.values ?? {}, mine?.error)}
  <button type="submit">${t('template.add.submit')}</button>
</form></details>
<form method="post" action="/admin/templates/${template.id}/withdraw" class="template-withdraw">${hidden(request)}<button type="submit" class="secondary" aria-label="${t('template.withdraw.label', { date })}">${t('template.withdraw')}</button></form>`}
</li>`;
}

/** The section, under the campaign's figures. */
export function postsSection(request: FastifyRequest, campaign: Campaign, templates: TemplateSummary[], options: { form?: TemplateForm; done?: string; images?: Map<string, PostImageInfo> } = {}): Html {
  const { t } = request;
  const doneKey = options.done && Object.hasOwn(TEMPLATE_DONE, options.done) ? TEMPLATE_DONE[options.done as keyof typeof TEMPLATE_DONE] : null;
  const creating = options.form?.templateId === null ? options.form : undefined;
  return html`<section id="posts" class="templates-section" aria-labelledby="posts-title">
<h2 id="posts-title">${t('template.title')}</h2>
${doneKey ? html`<p class="ok" role="status">${t(doneKey)}</p>` : ''}
<p class="help">${t('template.intro', { brand: brandOf(campaign) })}</p>
${bestText(request, templates)}
${templates.length ? html`<ol class="templates">${templates.map((template) => templateCard(request, campaign, template, options.form, options.images?.get(template.id)))}</ol>` : html`<p>${t('template.none')}</p>`}
${campaign.status === 'ended'
  ? creating ? html`<p class="error" role="alert">${creating.error.message}</p>` : html`<p>${t('template.error.ended')}</p>`
  : html`<form method="post" action="/admin/campaigns/${campaign.id}/templates#new-post" id="new-post" class="card" novalidate>
  <h3>${t('template.new')}</h3>
  ${creating && creating.error.field === null ? html`<p class="error" role="alert">${creating.error.message}</p>` : ''}
  ${hidden(request)}
  ${textFields(request, campaign, 'tn', creating?.values ?? {}, creating?.error)}
  <button type="submit">${t('template.create')}</button>
</form>`}
</section>`;
}

/** `campaignPage` shows a campaign's page with the section's refused form. */
export function registerTemplatePages(
  app: FastifyInstance,
  { config, db }: { config: Config; db: Db },
  campaignPage: (request: FastifyRequest, campaign: Campaign, form: { posts: TemplateForm }) => Promise<string>,
): void {
  app.post<{ Params: { id: string }; Body: TemplateTextsInput }>('/admin/campaigns/:id/templates', { schema: { body: templateBody } }, async (request, reply) => {
    requireOperator(request);
    const campaign = await getCampaign(db, request.params.id);
    return submitForm(request, reply, () => createTemplate(db, config, campaign.id, request.body, operatorActor(request)), {
      done: () => reply.redirect(done(campaign.id, 'template_created'), 303),
      render: (error) => campaignPage(request, campaign, { posts: { templateId: null, values: request.body, error } }),
    });
  });

  app.post<{ Params: { id: string }; Body: TemplateTextsInput }>('/admin/templates/:id/texts', { schema: { body: templateBody } }, async (request, reply) => {
    requireOperator(request);
    const template = await getTemplate(db, request.params.id);
    const campaign = await getCampaign(db, template.campaignId);
    return submitForm(request, reply, () => addTemplateTexts(db, config, template.id, request.body, operatorActor(request)), {
      done: () => reply.redirect(done(campaign.id, 'template_texts'), 303),
      render: (error) => campaignPage(request, campaign, { posts: { templateId: template.id, values: request.body, error } }),
    });
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/admin/templates/:id/withdraw', { schema: { body: templateBody } }, async (request, reply) => {
    requireOperator(request);
    const template = await getTemplate(db, request.params.id);
    const campaign = await getCampaign(db, template.campaignId);
    // Withdrawing cannot be undone: the first POST only says what will happen (confirmation.ts).
    if (template.status === 'active' && !isConfirmed(request.body)) {
      const { t, locale } = request;
      const summary = (await campaignTemplates(db, campaign.id)).find((one) => one.id === template.id);
      const count = (state: PublicationState) => summary?.states[state] ?? 0;
      return send(reply, confirmationPage(request, {
        title: t('confirm.templateWithdraw.title', { date: formatDate(template.createdAt, locale, { time: true }) }),
        effects: [t('confirm.templateWithdraw.waiting', { n: count('pending_review') + count('approved') }), t('confirm.templateWithdraw.published', { n: count('published') }), t('confirm.templateWithdraw.final')],
        action: `/admin/templates/${template.id}/withdraw`,
        fields: {},
        confirmLabel: t('confirm.templateWithdraw.button'),
        back: `/admin/campaigns/${campaign.id}#template-${template.id}`,
      }));
    }
    return submitForm(request, reply, () => withdrawTemplate(db, template.id, operatorActor(request)), {
      done: () => reply.redirect(done(campaign.id, 'template_withdrawn'), 303),
      render: (error) => campaignPage(request, campaign, { posts: { templateId: template.id, values: {}, error: { ...error, field: null } } }),
    });
  });
}
