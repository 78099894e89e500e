/** The operators' back-office: the overview at /admin, and the pages of each area. */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { requireOperator } from '../../http/guards.js';
import { html } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { sendPage as send } from './admin-common.js';
import { registerAuditPages } from './audit-pages.js';
import { registerCampaignPages } from './campaign-pages.js';
import { registerPartnerAdminPages } from './partner-admin-pages.js';

export function registerAdminPages(app: FastifyInstance, deps: { config: Config; db: Db }): void {
  registerCampaignPages(app, deps);
  registerPartnerAdminPages(app, deps);
  registerAuditPages(app, deps);

  app.get('/admin', async (request, reply) => {
    requireOperator(request);
    const { t } = request;
    return send(reply, renderPage(request, {
      title: t('admin.title'),
      body: html`<h1>${t('admin.title')}</h1>
<ul class="tiles">
  <li><a href="/admin/campaigns">${t('admin.campaigns')}</a></li>
  <li><a href="/admin/partners">${t('admin.partners')}</a></li>
  <li><a href="/admin/withdrawals">${t('admin.withdrawals')}</a></li>
  <li><a href="/admin/audit">${t('admin.audit')}</a></li>
</ul>`,
    }));
  });
}
