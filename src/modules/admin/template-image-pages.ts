/**
 * A post's image in the back-office « Posts » section: its original and one partner's variant as
 * small previews, a form to add or replace it (the file, « Description de l'image », an optional
 * « Légende »), and removing it (asked twice, confirmation.ts). The upload is multipart for its
 * route alone (http/operator-multipart.ts), files past MAX_INPUT_BYTES cut one byte later so the
 * service says « too large » next to the field rather than a bare 413.
 * Each route parses, calls one service of publishing/post-images.ts, and redirects or renders.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import { CSRF_FIELD } from '../../http/context.js';
import { submitForm, type FormError } from '../../http/forms.js';
import { operatorActor, requireOperator } from '../../http/guards.js';
import { html, type Html } from '../../http/html.js';
import { operatorMultipart } from '../../http/operator-multipart.js';
import { formatDate } from '../../lib/dates.js';
import { getCampaign, type Campaign } from '../campaigns/campaigns.js';
import { altText, MAX_INPUT_BYTES, MIN_INPUT_SIDE, NETWORK_IMAGE_LIMITS } from '../publishing/autopilot/image-variants.js';
import { disclosureFor, getTemplateImage, MAX_CAPTION_LENGTH, removeTemplateImage, setTemplateImage, templatePreview, type PostImageInfo, type TemplateImageInput } from '../publishing/post-images.js';
import { brandOf, getTemplate, type PostTemplate } from '../publishing/templates.js';
import { hidden, sendPage as send } from './admin-common.js';
import { confirmationPage, confirmProperty, isConfirmed } from './confirmation.js';
import type { TemplateForm } from './template-pages.js';

/** The side of the original's preview, in pixels. */
const PREVIEW_SIDE = 640;
const ACCEPT = 'image/jpeg,image/png,image/webp,image/avif,image/gif';

const imageBody = {
  type: 'object',
  properties: {
    // The file's bytes, or whatever a form without a file sent (the service says what is missing).
    image: {},
    description: { type: 'string', maxLength: 4000 },
    caption: { type: 'string', maxLength: 400 },
    ...confirmProperty,
    [CSRF_FIELD]: { type: 'string' },
  },
} as const;

const done = (campaignId: string, templateId: string, what: 'template_image' | 'template_image_removed') => `/admin/campaigns/${campaignId}?done=${what}#template-${templateId}`;

function size(bytes: number, locale: string): string {
  const megabytes = bytes >= 1024 * 1024;
  return new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { style: 'unit', unit: megabytes ? 'megabyte' : 'kilobyte', maximumFractionDigits: megabytes ? 1 : 0 }).format(megabytes ? bytes / 1024 / 1024 : Math.max(1, bytes / 1024));
}

/** The image part of a post's card: previews, the form (its refusal next to its field), removing. */
export function templateImageBlock(request: FastifyRequest, campaign: Campaign, template: PostTemplate, image: PostImageInfo | undefined, form: TemplateForm | undefined): Html {
  const { t, locale } = request;
  const prefix = `img-${template.id}`;
  const error = form?.error;
  const at = (name: string) => (error?.field === name ? error : undefined);
  const described = (name: string) => {
    const ids = [at(name) ? `${prefix}-${name}-error` : '', `${prefix}-${name}-help`].filter(Boolean).join(' ');
    return html`${at(name) ? html` aria-invalid="true"` : ''} aria-describedby="${ids}"`;
  };
  const below = (name: string, help: string) => html`${at(name) ? html`<p class="error" id="${prefix}-${name}-error" role="alert">${at(name)!.message}</p>` : ''}<p class="help" id="${prefix}-${name}-help">${help}</p>`;
  const value = (name: 'description' | 'caption') => (typeof form?.values[name] === 'string' ? (form.values[name] as string) : '');
  const withdrawn = template.status === 'withdrawn';
  const version = image ? image.createdAt.getTime() : 0;
  const scale = image ? Math.min(1, PREVIEW_SIDE / image.width, PREVIEW_SIDE / image.height) : 1;
  const sampleAlt = image ? altText({ seed: 0, disclosure: disclosureFor(locale), brand: brandOf(campaign), description: image.description, network: 'bluesky' }, NETWORK_IMAGE_LIMITS.bluesky.maxAlt) : '';
  return html`<div class="template-image">
<h4>${t('template.image')}</h4>
${image
  ? html`<div class="template-image-previews">
  <figure><img src="/admin/templates/${template.id}/image/original?v=${version}" alt="${t('template.image.originalAlt', { description: image.description })}" width="${Math.round(image.width * scale)}" height="${Math.round(image.height * scale)}"><figcaption>${t('template.image.original')} · ${t('template.image.facts', { width: image.width, height: image.height, size: size(image.bytes, locale) })}</figcaption></figure>
  <figure><img src="/admin/templates/${template.id}/image/sample?v=${version}&amp;l=${locale}" alt="${t('template.image.sampleAlt', { alt: sampleAlt })}"><figcaption>${t('template.image.sample')}</figcaption></figure>
</div>`
  : html`<p>${t('template.image.none')}</p>`}
<p class="help">${t('template.image.networks')}</p>
${error && error.field === null ? html`<p class="error" role="alert">${error.message}</p>` : ''}
${withdrawn
  ? ''
  : html`<details class="template-add"${error ? html` open` : ''}><summary>${image ? t('template.image.replace') : t('template.image.add')}</summary>
<form method="post" action="/admin/templates/${template.id}/image#template-${template.id}" enctype="multipart/form-data" novalidate>
  ${hidden(request)}
  <div class="field"><label for="${prefix}-image">${t('template.image.file')}</label>
  <input type="file" id="${prefix}-image" name="image" accept="${ACCEPT}"${described('image')}>${below('image', t('template.image.file.help', { min: MIN_INPUT_SIDE, max: Math.round(MAX_INPUT_BYTES / 1024 / 1024) }))}</div>
  <div class="field"><label for="${prefix}-description">${t('template.image.description')}</label>
  <textarea id="${prefix}-description" name="description" rows="2"${described('description')}>${value('description') || (image?.description ?? '')}</textarea>${below('description', t('template.image.description.help', { brand: brandOf(campaign) }))}</div>
  <div class="field"><label for="${prefix}-caption">${t('template.image.caption')}</label>
  <input type="text" id="${prefix}-caption" name="caption" value="${value('caption') || (image?.caption ?? '')}"${described('caption')}>${below('caption', t('template.image.caption.help', { max: MAX_CAPTION_LENGTH }))}</div>
  <button type="submit">${t('template.image.submit')}</button>
</form></details>
${image ? html`<form method="post" action="/admin/templates/${template.id}/image/remove" class="template-withdraw">${hidden(request)}<button type="submit" class="secondary" aria-label="${t('template.image.remove.label', { date: formatDate(template.createdAt, locale, { time: true }) })}">${t('template.image.remove')}</button></form>` : ''}`}
</div>`;
}

/** `campaignPage` shows a campaign's page with the section's refused form. */
export function registerTemplateImagePages(app: FastifyInstance, { db }: { db: Db }, campaignPage: (request: FastifyRequest, campaign: Campaign, form: { posts: TemplateForm }) => Promise<string>): void {
  void app.register(async (scope) => {
    // Multipart for these routes only, an operator's alone; one file, a few short fields.
    await operatorMultipart(scope, { fileSize: MAX_INPUT_BYTES + 1, files: 1, fields: 6, parts: 7, fieldSize: 16 * 1024 });

    scope.post<{ Params: { id: string }; Body: TemplateImageInput }>('/admin/templates/:id/image', { schema: { body: imageBody } }, async (request, reply) => {
      requireOperator(request);
      const template = await getTemplate(db, request.params.id);
      const campaign = await getCampaign(db, template.campaignId);
      const typed = { description: request.body.description, caption: request.body.caption };
      return submitForm(request, reply, () => setTemplateImage(db, template.id, request.body, operatorActor(request)), {
        done: () => reply.redirect(done(campaign.id, template.id, 'template_image'), 303),
        render: (error: FormError) => campaignPage(request, campaign, { posts: { templateId: template.id, kind: 'image', values: typed, error } }),
      });
    });
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/admin/templates/:id/image/remove', { schema: { body: imageBody } }, async (request, reply) => {
    requireOperator(request);
    const template = await getTemplate(db, request.params.id);
    const campaign = await getCampaign(db, template.campaignId);
    if (!isConfirmed(request.body) && (await getTemplateImage(db, template.id))) {
      const { t, locale } = request;
      return send(reply, confirmationPage(request, {
        title: t('confirm.imageRemove.title', { date: formatDate(template.createdAt, locale, { time: true }) }),
        effects: [t('confirm.imageRemove.effect'), t('confirm.imageRemove.published')],
        action: `/admin/templates/${template.id}/image/remove`,
        fields: {},
        confirmLabel: t('confirm.imageRemove.button'),
        back: `/admin/campaigns/${campaign.id}#template-${template.id}`,
      }));
    }
    return submitForm(request, reply, () => removeTemplateImage(db, template.id, operatorActor(request)), {
      done: () => reply.redirect(done(campaign.id, template.id, 'template_image_removed'), 303),
      render: (error) => campaignPage(request, campaign, { posts: { templateId: template.id, kind: 'image', values: {}, error: { ...error, field: null } } }),
    });
  });

  app.get<{ Params: { id: string; which: string } }>('/admin/templates/:id/image/:which', async (request, reply) => {
    requireOperator(request);
    if (request.params.which !== 'original' && request.params.which !== 'sample') return reply.callNotFound();
    const preview = await templatePreview(db, request.params.id, request.params.which, request.locale);
    // Addressed by the image's version (?v=): a replaced image has another address.
    return reply.type(preview.mime).header('cache-control', 'private, max-age=86400').send(preview.data);
  });
}
