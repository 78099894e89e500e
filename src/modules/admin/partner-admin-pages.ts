/** The operators' partner pages: search, one partner's balance and verdicts, suspension. */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { REFUSAL_REASONS } from '../../db/schema.js';
import { operatorActor, requireOperator } from '../../http/guards.js';
import { html } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { formatCents } from '../../lib/money.js';
import { fallbackEpcCents, partnerBalance } from '../earnings/balance.js';
import { getPartner, listPartners, setPartnerStatus } from '../partners/partners.js';
import { campaignForm } from './campaign-pages.js';
import { hidden, sendPage as send, statusLabel } from './admin-common.js';

export function registerPartnerAdminPages(app: FastifyInstance, { config, db }: { config: Config; db: Db }): void {
  app.get<{ Querystring: { q?: string } }>('/admin/partners', { schema: { querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 200 }, lang: { type: 'string' } } } } }, async (request, reply) => {
    requireOperator(request);
    const { t } = request;
    const q = request.query.q ?? '';
    const list = await listPartners(db, { search: q });
    const rows = list.map(
      (p) => html`<tr><td><a href="/admin/partners/${p.id}">${p.email}</a>${p.isDemo ? html` <span class="badge">${t('demo.badge')}</span>` : ''}</td><td>${p.pseudonym ?? ''}</td><td>${statusLabel(t, p.status)}</td><td>${p.role === 'admin' ? t('role.admin') : t('role.partner')}</td></tr>`,
    );
    return send(reply, renderPage(request, {
      title: t('admin.partners'),
      body: html`<h1>${t('admin.partners')}</h1>
<form method="get" action="/admin/partners" role="search" class="search"><label for="q">${t('admin.partners.search')}</label><input id="q" name="q" type="search" value="${q}"><button type="submit">${t('admin.partners.searchButton')}</button></form>
${rows.length ? html`<table class="list"><thead><tr><th scope="col">Email</th><th scope="col">${t('portal.pseudonym.label')}</th><th scope="col">${t('campaign.status')}</th><th scope="col">${t('admin.role')}</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p>${t('admin.partners.none')}</p>`}`,
    }));
  });

  app.get<{ Params: { id: string } }>('/admin/partners/:id', async (request, reply) => {
    requireOperator(request);
    const { t, locale } = request;
    const partner = await getPartner(db, request.params.id);
    const balance = await partnerBalance(db, partner.id, { fallbackEpcCents: await fallbackEpcCents(db, config.defaultRateCents) });
    const money = (cents: number) => formatCents(cents, locale);
    const next = partner.status === 'active' ? 'suspended' : 'active';
    return send(reply, renderPage(request, {
      title: partner.email,
      body: html`<p><a href="/admin/partners">← ${t('admin.partners')}</a></p>
<h1>${partner.email}</h1>
<p>${t('campaign.status')} : <strong>${statusLabel(t, partner.status)}</strong>${partner.pseudonym ? html` · ${t('portal.pseudonym.label')} : ${partner.pseudonym}` : ''}</p>
<form method="post" action="/admin/partners/${partner.id}/status" class="inline">${hidden(request)}<input type="hidden" name="status" value="${next}"><button type="submit">${next === 'suspended' ? t('admin.partner.suspend') : t('admin.partner.reinstate')}</button></form>
<dl class="figures">
  <div class="figure"><dt>${t('earnings.gross')}</dt><dd>${money(balance.earnedCents)}</dd></div>
  <div class="figure"><dt>${t('earnings.pendingAmount')}</dt><dd>${money(balance.pendingCents)}</dd></div>
  <div class="figure"><dt>${t('earnings.paid')}</dt><dd>${money(balance.paidCents)}</dd></div>
  <div class="figure main"><dt>${t('earnings.available')}</dt><dd>${money(balance.availableCents)}</dd></div>
</dl>
<section class="card"><h2>${t('admin.partner.verdicts', { days: 90 })}</h2>
<table class="list"><tbody>
<tr><th scope="row">${t('reason.valid')}</th><td class="num">${balance.validClicks90d}</td></tr>
${REFUSAL_REASONS.map((reason) => html`<tr><th scope="row">${t(`reason.${reason}`)}</th><td class="num">${balance.notCounted[reason]}</td></tr>`)}
</tbody></table></section>`,
    }));
  });

  app.post<{ Params: { id: string }; Body: { status?: string } }>('/admin/partners/:id/status', { schema: { body: campaignForm } }, async (request, reply) => {
    requireOperator(request);
    const partner = await setPartnerStatus(db, request.params.id, request.body.status ?? '', operatorActor(request));
    return reply.redirect(`/admin/partners/${partner.id}`, 303);
  });
}
