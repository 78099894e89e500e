/** The partner's own pages: portal (links and posts) and the public leaderboard. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { CSRF_FIELD } from '../../http/context.js';
import { requirePartner } from '../../http/guards.js';
import { html, HTML_TYPE, type Html } from '../../http/html.js';
import type { MessageKey } from '../../i18n/index.js';
import { submitForm } from '../../http/forms.js';
import { renderPage } from '../../http/layout.js';
import { maskEmail } from '../../lib/email.js';
import { formatCents } from '../../lib/money.js';
import { formatCount } from '../../lib/numbers.js';
import { REFUSAL_REASONS } from '../../db/schema.js';
import { payText } from '../campaigns/campaign-pay.js';
import { linkQrSvg, qrFileName } from '../campaigns/link-qr.js';
import { paysPerSale } from '../sales/sale-terms.js';
import { linkUrl, ownLink, partnerLinks, type PartnerLink } from '../campaigns/tracked-links.js';
import { readyPost } from '../campaigns/ready-posts.js';
import { shareLinks, shareText } from '../campaigns/share-links.js';
import { leaderboard, parseLeaderboardDays } from '../earnings/leaderboard.js';
import { emptyFigures, LINK_PERIODS, NOT_COUNTED_DAYS, partnerLinkStats, type LinkFigures, type LinkPeriod } from '../earnings/link-stats.js';
import { getPartner, setPseudonym } from '../partners/partners.js';
import { accountsSection, type AccountsForm } from '../publishing/account-views.js';
import { listAccounts } from '../publishing/accounts.js';
import { partnerAutopilots } from '../publishing/autopilot/autopilot-settings.js';
import { registerAccountRoutes } from './account-pages.js';
import { portalPublishing } from '../publishing/publications.js';

const leaderboardQuery = {
  type: 'object',
  properties: { days: { type: 'string', maxLength: 32 }, lang: { type: 'string' } },
} as const;

/** The period columns of a link's figures: a short heading on screen, the full one for screen readers. */
const PERIOD_HEADINGS: Record<LinkPeriod, { short: MessageKey; full: MessageKey }> = {
  today: { short: 'portal.stats.today', full: 'portal.stats.today' },
  week: { short: 'portal.stats.week.short', full: 'portal.stats.week' },
  month: { short: 'portal.stats.month.short', full: 'portal.stats.month' },
};
const PERIODS = Object.keys(LINK_PERIODS) as LinkPeriod[];

/** A link's figures as a small table (periods as columns), then its not-counted clicks by reason. */
function linkFiguresView(request: FastifyRequest, figures: LinkFigures, captionId: string): Html {
  const { t, locale } = request;
  const count = (n: number) => formatCount(n, locale);
  const rows: Array<[MessageKey, (period: LinkPeriod) => string]> = [
    ['portal.stats.clicks', (period) => count(figures.periods[period].clicks)],
    ['portal.stats.validClicks', (period) => count(figures.periods[period].validClicks)],
    ['portal.stats.earned', (period) => formatCents(figures.periods[period].earnedCents, locale)],
  ];
  const notCounted = REFUSAL_REASONS.filter((reason) => figures.notCounted[reason] > 0);
  return html`<table class="link-stats" aria-describedby="${captionId}-days"><caption id="${captionId}">${t('portal.stats.caption')}</caption>
<thead><tr><td></td>${PERIODS.map((period) => {
    const heading = PERIOD_HEADINGS[period];
    return heading.short === heading.full
      ? html`<th scope="col" class="num">${t(heading.full)}</th>`
      : html`<th scope="col" class="num"><span aria-hidden="true">${t(heading.short)}</span><span class="sr-only">${t(heading.full)}</span></th>`;
  })}</tr></thead>
<tbody>${rows.map(([label, value]) => html`<tr><th scope="row">${t(label)}</th>${PERIODS.map((period) => html`<td class="num">${value(period)}</td>`)}</tr>`)}</tbody>
</table>
<p class="help" id="${captionId}-days">${t('portal.stats.days')}</p>
${notCounted.length === 0
  ? html`<p class="not-counted">${t('portal.stats.notCounted.none', { days: NOT_COUNTED_DAYS })}</p>`
  : html`<div class="not-counted"><p>${t('portal.stats.notCounted', { days: NOT_COUNTED_DAYS })}</p><ul class="reasons">${notCounted.map((reason) => html`<li><strong>${count(figures.notCounted[reason])}</strong> ${t(`reason.${reason}`)}</li>`)}</ul></div>`}`;
}

/** Share links for the campaign's first ready post, and the link's QR code to preview and download. */
function shareView(request: FastifyRequest, link: PartnerLink, url: string): Html {
  const { t } = request;
  const shares = shareLinks({ link: url, text: shareText(link.posts, url), subject: link.campaignName });
  const qrPath = `/partner/links/${link.code}/qr.svg`;
  return html`<div class="share-qr">
  <div class="share">
    <h3>${t('portal.share.title')}</h3>
    <ul class="share-links">${shares.map(
      (share) =>
        html`<li><a class="share-${share.network}" href="${share.href}" aria-label="${t(`portal.share.on.${share.network}`)}"${share.newTab ? html` target="_blank" rel="noopener noreferrer"` : ''}>${t(`portal.share.name.${share.network}`)}</a></li>`,
    )}</ul>
    ${link.posts.length === 0 ? '' : html`<p class="help">${t('portal.share.help')} ${t('portal.share.helpLinkOnly')}</p>`}
  </div>
  <div class="qr">
    <h3>${t('portal.qr.title')}</h3>
    <div class="qr-row"><img src="${qrPath}" width="112" height="112" loading="lazy" decoding="async" alt="${t('portal.qr.alt', { campaign: link.campaignName })}">
    <p><a href="${qrPath}" download="${qrFileName(link.code)}">${t('portal.qr.download')}</a><br><span class="help">${t('portal.qr.help')}</span></p></div>
  </div>
</div>`;
}

export function registerPartnerPages(app: FastifyInstance, { config, db }: { config: Config; db: Db }): void {
  async function portalPage(request: FastifyRequest, form: { pseudonym?: string; error?: string; saved?: boolean; accounts?: AccountsForm } = {}): Promise<string> {
    const partner = requirePartner(request);
    const { t, locale } = request;
    const [links, me, stats, accounts, publishing, autopilots] = await Promise.all([
      partnerLinks(db, partner.partnerId, { activeOnly: true }),
      getPartner(db, partner.partnerId),
      partnerLinkStats(db, partner.partnerId),
      listAccounts(db, partner.partnerId),
      portalPublishing(db, app.publishing, partner.partnerId),
      partnerAutopilots(db, partner.partnerId),
    ]);
    const cards = links.map((link) => {
      const url = linkUrl(config.baseUrl, link.code);
      const fieldId = `link-${link.code}`;
      return html`<article class="card campaign">
  <h2>${link.campaignName}${link.isDemo ? html` <span class="badge">${t('demo.badge')}</span>` : ''}</h2>
  <p class="rate">${t('rev.portal.pays', { pays: payText(t, locale, link) })}</p>
  ${paysPerSale(link) ? html`<p class="help">${t('rev.portal.saleTerms', { attribution: link.attributionDays, holding: link.holdingDays })}</p>` : ''}
  ${linkFiguresView(request, stats.byLink.get(link.code) ?? emptyFigures(), `stats-${link.code}`)}
  <label for="${fieldId}">${t('portal.link')}</label>
  <div class="copy-row"><input id="${fieldId}" type="text" readonly value="${url}"><button type="button" class="copy" data-copy="${fieldId}" data-done="${t('portal.copied')}">${t('portal.copy')}</button></div>
  ${shareView(request, link, url)}
  ${link.posts.length === 0 ? '' : html`<h3>${t('portal.posts')}</h3>${link.posts.map((post, index) => {
    const postId = `post-${link.code}-${index}`;
    return html`<div class="post"><textarea id="${postId}" readonly rows="5" aria-label="${t('portal.post', { n: index + 1 })}">${readyPost(post, url)}</textarea><button type="button" class="copy" data-copy="${postId}" data-done="${t('portal.copied')}">${t('portal.copyPost')}</button></div>`;
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
${publishing.waiting > 0 ? html`<p class="notice posts-waiting"><strong>${t('portal.posts.waiting', { n: publishing.waiting })}</strong> <a href="/partner/posts">${t('portal.posts.link')}</a></p>` : ''}
${cards.length ? cards : html`<p class="notice">${t('portal.noCampaign')}</p>`}
${accountsSection(request, accounts, form.accounts, publishing.last, { accounts: autopilots, vetoHours: config.autopublishVetoMs / 3_600_000 })}
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

  app.get<{ Querystring: { saved?: string; accounts?: string } }>('/partner/portal', async (request, reply) => {
    const done = request.query.accounts === 'connected' || request.query.accounts === 'removed' || request.query.accounts === 'resumed' ? request.query.accounts : undefined;
    return reply.type(HTML_TYPE).send(await portalPage(request, { saved: request.query.saved === '1', accounts: { done } }));
  });
  registerAccountRoutes(app, { config, db, publishing: app.publishing, portalPage: (request, accounts) => portalPage(request, { accounts }) });

  // The QR code of one of the signed-in partner's links: anybody else's link is a 404, as an unknown one.
  app.get<{ Params: { code: string } }>('/partner/links/:code/qr.svg', async (request, reply) => {
    const partner = requirePartner(request);
    const link = await ownLink(db, partner.partnerId, request.params.code);
    const svg = await linkQrSvg(linkUrl(config.baseUrl, link.code));
    return reply
      .type('image/svg+xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${qrFileName(link.code)}"`)
      .header('cache-control', 'private, max-age=3600')
      .send(svg);
  });

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
      (row) => html`<tr${row.isMe ? html` class="me"` : ''}><td>#${row.rank}</td><td>${row.label}${row.isMe ? html` <span class="badge">${t('leaderboard.you')}</span>` : ''}</td><td class="num">${formatCount(row.clicks, request.locale)}</td></tr>`,
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
