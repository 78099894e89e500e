/**
 * Pages whose full content belongs to later issues (portal links, earnings, leaderboard, back-office).
 * They already enforce their access rules and parameters, and say plainly that they are placeholders.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../http/errors.js';
import { requireOperator, requirePartner } from '../../http/guards.js';
import { html, HTML_TYPE } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { maskEmail } from '../../lib/email.js';

const leaderboardQuery = {
  type: 'object',
  properties: { days: { type: 'string', maxLength: 32 }, lang: { type: 'string' } },
} as const;

/** `days` from 1 to 90 as a plain whole number; anything else (0, -1, 91, abc, 1e9) is a 400. */
export function parseLeaderboardDays(value: string | undefined): number | null {
  if (value === undefined) return 7;
  if (!/^\d{1,2}$/.test(value)) return null;
  const days = Number(value);
  return days >= 1 && days <= 90 ? days : null;
}

export function registerPartnerPages(app: FastifyInstance): void {
  app.get('/partner/portal', async (request, reply) => {
    const partner = requirePartner(request);
    const { t } = request;
    const page = renderPage(request, {
      title: t('portal.title'),
      body: html`<h1>${t('portal.title')}</h1>
<p>${t('portal.welcome', { email: partner.email })}</p>
${request.isAdmin ? html`<p>${t('portal.role.admin')} <a href="/admin">${t('nav.admin')}</a></p>` : ''}
<p class="notice">${t('portal.pending')}</p>`,
    });
    return reply.type(HTML_TYPE).send(page);
  });

  app.get('/partners/earnings', async (request, reply) => {
    const partner = requirePartner(request);
    const { t } = request;
    const page = renderPage(request, {
      title: t('earnings.title'),
      body: html`<h1>${t('earnings.title')}</h1>
<p>${t('earnings.account', { email: maskEmail(partner.email) })}</p>
<p class="notice">${t('earnings.pending')}</p>`,
    });
    return reply.type(HTML_TYPE).send(page);
  });

  app.get<{ Querystring: { days?: string } }>(
    '/partners/leaderboard',
    { schema: { querystring: leaderboardQuery } },
    async (request, reply) => {
      const days = parseLeaderboardDays(request.query.days);
      if (days === null) throw new HttpError(400, 'invalid_days', 'error.400.title', 'leaderboard.error.days');
      const { t } = request;
      const page = renderPage(request, {
        title: t('leaderboard.title', { days }),
        body: html`<h1>${t('leaderboard.title', { days })}</h1><p class="notice">${t('leaderboard.pending')}</p>`,
      });
      return reply.type(HTML_TYPE).send(page);
    },
  );

  app.get('/admin', async (request, reply) => {
    requireOperator(request);
    const { t } = request;
    const page = renderPage(request, {
      title: t('admin.title'),
      body: html`<h1>${t('admin.title')}</h1><p class="notice">${t('admin.pending')}</p>`,
    });
    return reply.type(HTML_TYPE).send(page);
  });
}
