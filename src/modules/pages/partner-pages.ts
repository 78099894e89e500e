/** The partner's own pages: portal (links and posts) and the public leaderboard. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { CSRF_FIELD } from '../../http/context.js';
import { requirePartner } from '../../http/guards.js';
import { html, HTML_TYPE } from '../../http/html.js';
import { submitForm } from '../../http/forms.js';
import { renderPage } from '../../http/layout.js';
import { maskEmail } from '../../lib/email.js';
import { formatCents } from '../../lib/money.js';
import { linkUrl, partnerLinks } from '../campaigns/tracked-links.js';
import { readyPost } from '../campaigns/ready-posts.js';
import { leaderboard, parseLeaderboardDays } from '../earnings/leaderboard.js';
import { getPartner, setPseudonym } from '../partners/partners.js';

const leaderboardQuery = {
  type: 'object',
  properties: { days: { type: 'string', maxLength: 32 }, lang: { type: 'string' } },
} as const;

export function registerPartnerPages(app: FastifyInstance, { config, db }: { config: Config; db: Db }): void {
  async function portalPage(request: FastifyRequest, form: { pseudonym?: string; error?: string; saved?: boolean } = {}): Promise<string> {
    const partner = requirePartner(request);
    const { t, locale } = request;
    const [links, me] = await Promise.all([partnerLinks(db, partner.partnerId, { activeOnly: true }), getPartner(db, partner.partnerId)]);
    const cards = links.map((link) => {
      const url = linkUrl(config.baseUrl, link.code);
      const fieldId = `link-${link.code}`;
      return html`<article class="card campaign">
  <h2>${link.campaignName}${link.isDemo ? html` <span class="badge">${t('demo.badge')}</span>` : ''}</h2>
  <p class="rate">${t('portal.rate', { rate: formatCents(link.rateCents, locale) })}</p>
  <label for="${fieldId}">${t('portal.link')}</label>
  <div class="copy-row"><input id="${fieldId}" type="text" readonly value="${url}"><button type="button" class="copy" data-copy="${fieldId}" data-done="${t('portal.copied')}">${t('portal.copy')}</button></div>
  ${link.posts.length === 0 ? '' : html`<h3>${t('portal.posts')}</h3>${link.posts.map((post, index) => {
    const postId = `post-${link.code}-${index}`;
    return html`<div class="post"><textarea id="${postId}" readonly rows="4" aria-label="${t('portal.post', { n: index + 1 })}">${readyPost(post, url)}</textarea><button type="button" class="copy" data-copy="${postId}" data-done="${t('portal.copied')}">${t('portal.copyPost')}</button></div>`;
  })}`}
</article>`;
    });
    const pseudonymValue = form.pseudonym ?? me.pseudonym ?? '';
    return renderPage(request, {
      title: t('portal.title'),
      body: html`<h1>${t('portal.title')}</h1>
<p>${t('portal.welcome', { email: maskEmail(partner.email) })}</p>
${request.isAdmin ? html`<p>${t('portal.role.admin')} <a href="/admin">${t('nav.admin')}</a></p>` : ''}
<p>${t('portal.intro')}</p>
${cards.length ? cards : html`<p class="notice">${t('portal.noCampaign')}</p>`}
<section class="card" id="settings" aria-labelledby="settings-title">
  <h2 id="settings-title">${t('portal.settings')}</h2>
  <form method="post" action="/partner/pseudonym">
    <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
    <label for="pseudonym">${t('portal.pseudonym.label')}</label>
    <input id="pseudonym" name="pseudonym" type="text" maxlength="40" value="${pseudonymValue}" aria-describedby="pseudonym-help${form.error ? ' pseudonym-error' : ''}"${form.error ? html` aria-invalid="true" autofocus` : ''}>
    ${form.error ? html`<p class="error" id="pseudonym-error" role="alert">${form.error}</p>` : ''}
    ${form.saved ? html`<p class="ok" role="status" id="saved" tabindex="-1" data-arrival>${t('portal.pseudonym.saved')}</p>` : ''}
    <p class="help" id="pseudonym-help">${t('portal.pseudonym.help', { masked: maskEmail(partner.email) })}</p>
    <button type="submit">${t('portal.pseudonym.submit')}</button>
  </form>
</section>
<script src="/assets/app.js" defer></script>`,
    });
  }

  app.get<{ Querystring: { saved?: string } }>('/partner/portal', async (request, reply) =>
    reply.type(HTML_TYPE).send(await portalPage(request, { saved: request.query.saved === '1' })),
  );

  app.post<{ Body: { pseudonym?: string } }>(
    '/partner/pseudonym',
    { schema: { body: { type: 'object', properties: { pseudonym: { type: 'string', maxLength: 400 }, [CSRF_FIELD]: { type: 'string' } } } } },
    async (request, reply) => {
      const partner = requirePartner(request);
      return submitForm(request, reply, () => setPseudonym(db, partner.partnerId, request.body.pseudonym ?? ''), {
        // Back at the form's message (the fragment scrolls to it; app.js gives it the focus).
        done: () => reply.redirect('/partner/portal?saved=1#saved', 303),
        render: (error) => portalPage(request, { pseudonym: request.body.pseudonym, error: error.message }),
      });
    },
  );

  app.get<{ Querystring: { days?: string } }>('/partners/leaderboard', { schema: { querystring: leaderboardQuery } }, async (request, reply) => {
    const days = parseLeaderboardDays(request.query.days);
    const { t } = request;
    const board = await leaderboard(db, days, { partnerId: request.auth?.partnerId ?? null });
    const periods = [1, 7, 30, 90].map((d) =>
      d === days ? html`<strong aria-current="true">${t('leaderboard.period', { days: d })}</strong>` : html`<a href="/partners/leaderboard?days=${d}">${t('leaderboard.period', { days: d })}</a>`,
    );
    const rows = board.top.map(
      (row) => html`<tr${row.isMe ? html` class="me"` : ''}><td>#${row.rank}</td><td>${row.label}${row.isMe ? html` <span class="badge">${t('leaderboard.you')}</span>` : ''}</td><td class="num">${row.clicks}</td></tr>`,
    );
    const mine = request.auth
      ? board.me
        ? html`<p class="card">${t('leaderboard.myRank', { rank: board.me.rank, clicks: board.me.clicks })}</p>`
        : html`<p class="card">${t('leaderboard.notRanked')}</p>`
      : '';
    const page = renderPage(request, {
      title: t('leaderboard.title', { days }),
      body: html`<h1>${t('leaderboard.title', { days })}</h1>
<p class="periods">${periods}</p>
${mine}
${rows.length === 0
  ? html`<p>${t('leaderboard.empty')}</p>`
  : html`<table class="board"><caption class="sr-only">${t('leaderboard.title', { days })}</caption><thead><tr><th scope="col">${t('leaderboard.rank')}</th><th scope="col">${t('leaderboard.partner')}</th><th scope="col" class="num">${t('leaderboard.clicks')}</th></tr></thead><tbody>${rows}</tbody></table>`}
<p class="help">${t('leaderboard.help')}</p>`,
    });
    return reply.type(HTML_TYPE).send(page);
  });
}
