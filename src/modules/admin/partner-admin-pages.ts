/** The operators' partner pages: search, one partner's balance, sales, adjustments and verdicts, suspension with a reason. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { PUBLICATION_STATES, REFUSAL_REASONS } from '../../db/schema.js';
import { CSRF_FIELD } from '../../http/context.js';
import { submitForm, type FormError } from '../../http/forms.js';
import { operatorActor, requireOperator } from '../../http/guards.js';
import { html, type Html } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { formatCents, formatSignedCents } from '../../lib/money.js';
import { addAdjustment, ADJUSTMENT_REASON_MAX, checkAdjustment, type AdjustmentInput } from '../sales/adjustments.js';
import { partnerAdjustments, salesOverview, type AdjustmentRow } from '../sales/sales-views.js';
import { adjustmentsList } from '../pages/partner-sales-section.js';
import { salesAdminSection } from './sales-admin-views.js';
import { fallbackEpcCents, partnerBalance } from '../earnings/balance.js';
import type { Mailer } from '../mail/mailer.js';
import { checkStatusRequest, getPartner, listPartners, STATUS_REASON_MAX, type Partner } from '../partners/partners.js';
import { decidePartnerStatus } from '../partners/status-decisions.js';
import { hidden, sendPage as send } from './admin-common.js';
import { confirmationPage, confirmProperty, isConfirmed } from './confirmation.js';
import { formatCount } from '../../lib/numbers.js';
import { formatDate } from '../../lib/dates.js';
import { listPublications } from '../publishing/publications.js';
import { answerPauseForm, pauseBody, pauseCounts, pauseSection, type PauseTarget } from './publishing-pause-pages.js';

const pauseTarget = (partner: Partner): PauseTarget => ({ kind: 'partner', id: partner.id, email: partner.email, pausedAt: partner.publishingPausedAt });

/** The partner's latest publications shown to the operator, whatever their state. */
const PUBLICATIONS_SHOWN = 30;

const statusForm = {
  type: 'object',
  properties: {
    status: { type: 'string', maxLength: 20 },
    reason: { type: 'string', maxLength: 2000 },
    ...confirmProperty,
    [CSRF_FIELD]: { type: 'string' },
  },
} as const;

const DONE = new Set(['suspended', 'active']);

const adjustmentForm = {
  type: 'object',
  properties: {
    amount: { type: 'string', maxLength: 40 },
    requestKey: { type: 'string', maxLength: 36 },
    reason: { type: 'string', maxLength: 2000 },
    ...confirmProperty,
    [CSRF_FIELD]: { type: 'string' },
  },
} as const;

/** The partner's adjustments (as they read them) and the form adding one. */
function adjustmentSection(request: FastifyRequest, partner: Partner, adjustments: AdjustmentRow[], done: boolean, form?: { values: AdjustmentInput; error?: FormError }): Html {
  const { t } = request;
  const error = form?.error;
  const field = (name: 'amount' | 'reason') => (error && (error.field === name || (error.field === null && name === 'amount')) ? error : undefined);
  const invalid = (name: 'amount' | 'reason') => (field(name) ? html` aria-invalid="true" aria-describedby="adj-${name}-error" autofocus` : '');
  const message = (name: 'amount' | 'reason') => (field(name) ? html`<p class="error" id="adj-${name}-error" role="alert">${field(name)!.message}</p>` : '');
  return html`<section class="card" id="adjustments" aria-labelledby="adjustments-title">
  <h2 id="adjustments-title">${t('rev.adjustments.title')}</h2>
  ${done ? html`<p class="ok" role="status" tabindex="-1" data-arrival>${t('rev.adjust.done', { email: partner.email })}</p>` : ''}
  ${adjustments.length ? adjustmentsList(request, adjustments) : html`<p>${t('rev.adjust.none')}</p>`}
  <form method="post" action="/admin/partners/${partner.id}/adjustments" novalidate>
    <h3>${t('rev.adjust.title')}</h3>
    ${hidden(request)}
    <div class="field"><label for="adj-amount">${t('rev.adjust.amount')}</label>
    <input id="adj-amount" name="amount" type="text" inputmode="decimal" required maxlength="20" value="${String(form?.values.amount ?? '')}"${invalid('amount')}>
    ${message('amount')}<p class="help">${t('rev.adjust.amount.help')}</p></div>
    <div class="field"><label for="adj-reason">${t('rev.adjust.reason')}</label>
    <textarea id="adj-reason" name="reason" rows="2" required maxlength="${ADJUSTMENT_REASON_MAX}"${invalid('reason')}>${String(form?.values.reason ?? '')}</textarea>
    ${message('reason')}<p class="help">${t('rev.adjust.reason.help')}</p></div>
    <button type="submit">${t('rev.adjust.next')}</button>
  </form>
</section>`;
}

export function registerPartnerAdminPages(app: FastifyInstance, { config, db, mailer }: { config: Config; db: Db; mailer: Mailer }): void {
  app.get<{ Querystring: { q?: string } }>('/admin/partners', { schema: { querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 200 }, lang: { type: 'string' } } } } }, async (request, reply) => {
    requireOperator(request);
    const { t } = request;
    const q = request.query.q ?? '';
    const list = await listPartners(db, { search: q });
    const rows = list.map(
      (p) => html`<tr><td data-label="Email" class="wrap"><a href="/admin/partners/${p.id}">${p.email}</a>${p.isDemo ? html` <span class="badge">${t('demo.badge')}</span>` : ''}</td><td data-label="${t('portal.pseudonym.label')}" class="wrap">${p.pseudonym ?? ''}</td><td data-label="${t('campaign.status')}">${t(`admin.partner.status.${p.status}`)}</td><td data-label="${t('admin.role')}">${p.role === 'admin' ? t('role.admin') : t('role.partner')}</td></tr>`,
    );
    return send(reply, renderPage(request, {
      title: t('admin.partners'),
      body: html`<h1>${t('admin.partners')}</h1>
<form method="get" action="/admin/partners" role="search" class="search"><label for="q">${t('admin.partners.search')}</label><input id="q" name="q" type="search" value="${q}"><button type="submit">${t('admin.partners.searchButton')}</button></form>
${rows.length ? html`<table class="list stack-rows"><thead><tr><th scope="col">Email</th><th scope="col">${t('portal.pseudonym.label')}</th><th scope="col">${t('campaign.status')}</th><th scope="col">${t('admin.role')}</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p>${t('admin.partners.none')}</p>`}`,
    }));
  });

  async function partnerPage(request: FastifyRequest, partner: Partner, form: { done?: string; reason?: string; error?: FormError; adjustment?: { values: AdjustmentInput; error?: FormError } } = {}): Promise<string> {
    const { t, locale } = request;
    const balance = await partnerBalance(db, partner.id, { fallbackEpcCents: await fallbackEpcCents(db, config.defaultRateCents), clickHoldingDays: config.clickHoldingDays });
    const [sales, adjustments] = await Promise.all([salesOverview(db, { partnerId: partner.id }), partnerAdjustments(db, partner.id)]);
    const publications = await listPublications(db, config, partner.id, PUBLICATION_STATES, { limit: PUBLICATIONS_SHOWN });
    const pause = pauseTarget(partner);
    const pauseFigures = await pauseCounts(db, pause);
    const money = (cents: number) => formatCents(cents, locale);
    const error = form.error;
    const reasonError = error?.field === 'reason' ? error : undefined;
    const statusForms = partner.status === 'active'
      ? html`<form method="post" action="/admin/partners/${partner.id}/status" class="card" novalidate>
  <h2>${t('admin.partner.suspendTitle')}</h2>
  ${hidden(request)}<input type="hidden" name="status" value="suspended">
  <div class="field"><label for="p-reason">${t('admin.partner.reason')}</label>
  <textarea id="p-reason" name="reason" rows="3" required maxlength="${STATUS_REASON_MAX}"${reasonError ? html` aria-invalid="true" aria-describedby="p-reason-error" autofocus` : ''}>${form.reason ?? ''}</textarea>
  ${reasonError ? html`<p class="error" id="p-reason-error" role="alert">${reasonError.message}</p>` : ''}
  <p class="help">${t('admin.partner.reason.help')}</p></div>
  <button type="submit" class="secondary">${t('admin.partner.suspendNext')}</button>
</form>`
      : html`<form method="post" action="/admin/partners/${partner.id}/status" class="inline">${hidden(request)}<input type="hidden" name="status" value="active"><button type="submit">${t('admin.partner.reinstate')}</button></form>
<p class="help">${t('admin.partner.reinstate.help')}</p>`;
    return renderPage(request, {
      title: partner.email,
      body: html`<p><a href="/admin/partners">← ${t('admin.partners')}</a></p>
<h1 class="wrap">${partner.email}</h1>
${form.done && DONE.has(form.done) && form.done === partner.status ? html`<p class="ok" role="status" id="done" tabindex="-1" data-arrival>${t(`admin.partner.done.${partner.status}`, { email: partner.email })}</p>` : ''}
${error && !reasonError ? html`<p class="error" role="alert">${error.message}</p>` : ''}
<p><strong>${t('admin.partner.statusIs', { status: t(`admin.partner.status.${partner.status}`) })}</strong>${partner.pseudonym ? html` · ${t('admin.partner.pseudonymIs', { pseudonym: partner.pseudonym })}` : ''} · <a href="/admin/audit?partner=${encodeURIComponent(partner.email)}">${t('audit.partnerLog')}</a></p>
${partner.status === 'suspended' && partner.statusReason ? html`<p class="notice">${t('admin.partner.suspendedBecause', { reason: partner.statusReason })}</p>` : ''}
${partner.status === 'suspended' ? statusForms : ''}
<dl class="figures">
  <div class="figure"><dt>${t('earnings.gross')}</dt><dd>${money(balance.earnedCents)}</dd></div>
  <div class="figure"><dt>${t('rev.balance.held')}</dt><dd>${money(balance.heldCents)}</dd></div>
  <div class="figure"><dt>${t('rev.balance.withdrawing')}</dt><dd>${money(balance.pendingCents)}</dd></div>
  <div class="figure"><dt>${t('earnings.paid')}</dt><dd>${money(balance.paidCents)}</dd></div>
  <div class="figure main"><dt>${t('earnings.available')}</dt><dd>${money(balance.availableCents)}</dd></div>
</dl>
${salesAdminSection(request, sales, 'campaign')}
${adjustmentSection(request, partner, adjustments, form.done === 'adjusted', form.adjustment)}
<section class="card"><h2>${t('admin.partner.verdicts', { days: 90 })}</h2>
<table class="list"><tbody>
<tr><th scope="row">${t('reason.valid')}</th><td class="num">${formatCount(balance.validClicks90d, locale)}</td></tr>
${REFUSAL_REASONS.map((reason) => html`<tr><th scope="row">${t(`reason.${reason}`)}</th><td class="num">${formatCount(balance.notCounted[reason], locale)}</td></tr>`)}
</tbody></table></section>
<section class="card" aria-labelledby="publications-title"><h2 id="publications-title">${t('admin.partner.publications', { n: PUBLICATIONS_SHOWN })}</h2>
${publications.length === 0
  ? html`<p>${t('admin.partner.publications.none')}</p>`
  : html`<table class="list stack-rows"><thead><tr><th scope="col">${t('admin.partner.publications.account')}</th><th scope="col">${t('admin.partner.publications.campaign')}</th><th scope="col">${t('admin.partner.publications.state')}</th><th scope="col" class="num">${t('admin.partner.publications.clicks')}</th><th scope="col" class="num">${t('admin.partner.publications.earned')}</th></tr></thead><tbody>
${publications.map((publication) => html`<tr><td data-label="${t('admin.partner.publications.account')}" class="wrap">${t(`accounts.network.${publication.account.network}`)} · ${publication.account.label}</td><td data-label="${t('admin.partner.publications.campaign')}" class="wrap">${publication.campaignName}</td><td data-label="${t('admin.partner.publications.state')}">${t(`publication.state.${publication.state}`)}${publication.publishedAt ? html` · ${formatDate(publication.publishedAt, locale)}` : ''}${publication.remoteUrl ? html` · <a href="${publication.remoteUrl}" rel="noopener noreferrer" target="_blank">${t('posts.published.see')}</a>` : ''}</td><td data-label="${t('admin.partner.publications.clicks')}" class="num">${t('admin.partner.publications.clicksValue', { valid: publication.validClicks, clicks: publication.clicks })}</td><td data-label="${t('admin.partner.publications.earned')}" class="num">${money(publication.earnedCents)}</td></tr>`)}
</tbody></table>`}
</section>
${pauseSection(request, pause, pauseFigures, form.done)}
${partner.status === 'active' ? statusForms : ''}`,
    });
  }

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/admin/partners/:id', async (request, reply) => {
    requireOperator(request);
    return send(reply, await partnerPage(request, await getPartner(db, request.params.id), { done: request.query.done }));
  });

  app.post<{ Params: { id: string }; Body: { action?: string } }>('/admin/partners/:id/publishing', { schema: { body: pauseBody } }, async (request, reply) => {
    requireOperator(request);
    const partner = await getPartner(db, request.params.id);
    return answerPauseForm(request, reply, { db, publishing: app.publishing, target: pauseTarget(partner), render: (error) => partnerPage(request, partner, { error }) });
  });

  // A manual adjustment: checked, then asked twice (what the partner will see, the balance after), audited.
  app.post<{ Params: { id: string }; Body: AdjustmentInput }>('/admin/partners/:id/adjustments', { schema: { body: adjustmentForm } }, async (request, reply) => {
    const actor = operatorActor(request);
    const partner = await getPartner(db, request.params.id);
    const values = { amount: request.body.amount ?? '', reason: request.body.reason ?? '', requestKey: request.body.requestKey };
    return submitForm(request, reply, async () => {
      const checked = checkAdjustment(values);
      if (!isConfirmed(request.body)) return { kind: 'confirm', ...checked } as const;
      await addAdjustment(db, partner.id, values, actor);
      return { kind: 'done' } as const;
    }, {
      done: async (result) => {
        if (result.kind === 'done') return reply.redirect(`/admin/partners/${partner.id}?done=adjusted#adjustments`, 303);
        const { t, locale } = request;
        const balance = await partnerBalance(db, partner.id, { fallbackEpcCents: 0, clickHoldingDays: config.clickHoldingDays });
        return send(reply, confirmationPage(request, {
          title: t('rev.adjust.confirm.title', { amount: formatSignedCents(result.amountCents, locale), email: partner.email }),
          effects: [
            t('rev.adjust.confirm.shown', { reason: result.reason }),
            t('rev.adjust.confirm.balance', { from: formatCents(balance.availableCents, locale), to: formatCents(balance.availableCents + result.amountCents, locale) }),
            t('rev.adjust.confirm.final'),
          ],
          action: `/admin/partners/${partner.id}/adjustments`,
          // A key of this confirmation: confirming twice records one adjustment.
          fields: { amount: String(values.amount), reason: String(values.reason), requestKey: randomUUID() },
          confirmLabel: t('rev.adjust.confirm.button'),
          back: `/admin/partners/${partner.id}#adjustments`,
        }));
      },
      render: (error) => partnerPage(request, partner, { adjustment: { values, error } }),
    });
  });

  app.post<{ Params: { id: string }; Body: { status?: string; reason?: string } }>('/admin/partners/:id/status', { schema: { body: statusForm } }, async (request, reply) => {
    const actor = operatorActor(request);
    const partner = await getPartner(db, request.params.id);
    const { status, reason } = request.body;
    return submitForm(request, reply, async () => {
      const checked = checkStatusRequest(status, reason);
      // A suspension cannot be taken back silently (the partner is emailed): confirmed first.
      if (checked.status === 'suspended' && partner.status !== 'suspended' && !isConfirmed(request.body)) return { kind: 'confirm', reason: checked.reason } as const;
      return { kind: 'done', after: await decidePartnerStatus({ db, config, mailer, log: request.log }, partner.id, checked.status, actor, checked.reason) } as const;
    }, {
      done: (result) => {
        if (result.kind === 'confirm') {
          const { t } = request;
          return send(reply, confirmationPage(request, {
            title: t('confirm.suspend.title', { email: partner.email }),
            effects: [t('confirm.suspend.effect'), t('confirm.suspend.mail', { reason: result.reason })],
            action: `/admin/partners/${partner.id}/status`,
            fields: { status: 'suspended', reason: result.reason },
            confirmLabel: t('confirm.suspend.button'),
            back: `/admin/partners/${partner.id}`,
          }));
        }
        return reply.redirect(`/admin/partners/${result.after.id}?done=${result.after.status}#done`, 303);
      },
      render: (error) => partnerPage(request, partner, { error, reason: typeof reason === 'string' ? reason : '' }),
    });
  });
}
