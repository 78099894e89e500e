/** The operators' audit log page. */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/client.js';
import { requireOperator } from '../../http/guards.js';
import { html } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { formatDate } from '../../lib/dates.js';
import { listAuditEntries } from '../audit/audit-log.js';
import { sendPage as send } from './admin-common.js';

export function registerAuditPages(app: FastifyInstance, { db }: { db: Db }): void {
  app.get('/admin/audit', async (request, reply) => {
    requireOperator(request);
    const { t } = request;
    const entries = await listAuditEntries(db);
    const rows = entries.map(
      (e) => html`<tr><td><time datetime="${e.at.toISOString()}">${formatDate(e.at, request.locale, { time: true })}</time></td><td>${e.actorLabel}</td><td>${e.action}</td><td>${e.subject ?? ''}</td><td>${e.fromState ?? ''}${e.fromState || e.toState ? ' → ' : ''}${e.toState ?? ''}</td><td>${e.detail ?? ''}</td></tr>`,
    );
    return send(reply, renderPage(request, {
      title: t('admin.audit'),
      body: html`<h1>${t('admin.audit')}</h1>
<table class="list"><thead><tr><th scope="col">${t('audit.when')}</th><th scope="col">${t('audit.who')}</th><th scope="col">${t('audit.action')}</th><th scope="col">${t('audit.subject')}</th><th scope="col">${t('audit.change')}</th><th scope="col">${t('audit.detail')}</th></tr></thead><tbody>${rows}</tbody></table>`,
    }));
  });
}
