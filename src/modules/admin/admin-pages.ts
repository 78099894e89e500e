/** The operators' back-office: the overview at /admin, and the pages of each area. */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { requireOperator } from '../../http/guards.js';
import type { Mailer } from '../mail/mailer.js';
import { html } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { formatDate } from '../../lib/dates.js';
import { formatCents } from '../../lib/money.js';
import { formatCount } from '../../lib/numbers.js';
import { sendPage as send } from './admin-common.js';
import { registerAuditPages } from './audit-pages.js';
import { registerCampaignPages } from './campaign-pages.js';
import { operatorOverview } from './operator-reports.js';
import { registerPartnerAdminPages } from './partner-admin-pages.js';

export function registerAdminPages(app: FastifyInstance, deps: { config: Config; db: Db; mailer: Mailer }): void {
  registerCampaignPages(app, deps);
  registerPartnerAdminPages(app, deps);
  registerAuditPages(app, deps);

  app.get('/admin', async (request, reply) => {
    requireOperator(request);
    const { t, locale } = request;
    const n = (value: number) => formatCount(value, locale);
    const overview = await operatorOverview(deps.db);
    const { requested, approved } = overview.withdrawals;
    const spendRows = overview.spend.map(
      ({ campaign, clicks, validClicks, spendCents }) =>
        html`<tr><th scope="row"><a href="/admin/campaigns/${campaign.id}">${campaign.name}</a></th><td class="num" data-label="${t('figures.clicks')}">${n(clicks)}</td><td class="num" data-label="${t('figures.valid')}">${n(validClicks)}</td><td class="num" data-label="${t('figures.spend')}">${formatCents(spendCents, locale)}</td></tr>`,
    );
    const total = overview.spendTotal;
    return send(reply, renderPage(request, {
      title: t('admin.title'),
      body: html`<h1>${t('admin.title')}</h1>
<section aria-labelledby="now-title" class="overview">
<h2 id="now-title">${t('overview.todo')}</h2>
<dl class="figures">
  <div class="figure"><dt>${t('overview.requested')}</dt><dd>${n(requested.count)}</dd><dd class="help">${t('overview.total', { total: formatCents(requested.totalCents, locale) })}<br><a href="/admin/withdrawals?status=requested">${t('overview.requested.link')}</a></dd></div>
  <div class="figure"><dt>${t('overview.approved')}</dt><dd>${n(approved.count)}</dd><dd class="help">${t('overview.total', { total: formatCents(approved.totalCents, locale) })}<br><a href="/admin/withdrawals?status=approved">${t('overview.approved.link')}</a></dd></div>
  <div class="figure"><dt>${t('overview.today')}</dt><dd>${n(overview.today.clicks)}</dd><dd class="help">${t('overview.today.valid', { valid: overview.today.validClicks })}</dd></div>
  <div class="figure"><dt>${t('overview.joined')}</dt><dd>${n(overview.joinedThisWeek)}</dd><dd class="help">${t('overview.joined.since', { date: formatDate(overview.week.from, locale) })}<br><a href="/admin/partners">${t('overview.joined.link')}</a></dd></div>
</dl>
</section>
<section aria-labelledby="spend-title" class="overview">
<h2 id="spend-title">${t('overview.spend')}</h2>
<p class="help">${t('overview.spend.help', { date: formatDate(overview.month.from, locale) })}</p>
${spendRows.length
  ? html`<table class="list"><thead><tr><th scope="col">${t('overview.campaign')}</th><th scope="col" class="num">${t('figures.clicks')}</th><th scope="col" class="num">${t('figures.valid')}</th><th scope="col" class="num">${t('figures.spend')}</th></tr></thead>
<tbody>${spendRows}</tbody>
<tfoot><tr><th scope="row">${t('overview.totalRow')}</th><td class="num" data-label="${t('figures.clicks')}">${n(total.clicks)}</td><td class="num" data-label="${t('figures.valid')}">${n(total.validClicks)}</td><td class="num" data-label="${t('figures.spend')}">${formatCents(total.spendCents, locale)}</td></tr></tfoot></table>`
  : html`<p>${t('overview.spend.none')}</p>`}
</section>
<nav aria-labelledby="areas-title" class="overview-areas">
<h2 id="areas-title">${t('overview.areas')}</h2>
<ul class="tiles">
  <li><a href="/admin/campaigns">${t('admin.campaigns')}</a></li>
  <li><a href="/admin/partners">${t('admin.partners')}</a></li>
  <li><a href="/admin/withdrawals">${t('admin.withdrawals')}</a></li>
  <li><a href="/admin/audit">${t('admin.audit')}</a></li>
</ul>
</nav>`,
    }));
  });
}
