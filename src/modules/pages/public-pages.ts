/** The public pages: landing and FAQ, with what the active campaigns pay and the threshold from settings. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { html, HTML_TYPE } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import type { Translate } from '../../i18n/index.js';
import { formatCents } from '../../lib/money.js';
import { payText } from '../campaigns/campaign-pay.js';
import { activeCampaignPays } from '../campaigns/campaigns.js';
import { signInForm } from './sign-in-form.js';

export function methodList(config: Config, t: Translate): string {
  return config.payoutMethods.map((method) => t(`method.${method}`)).join(', ');
}

/**
 * The landing page. What it promises is read from the active campaigns (their rates per click,
 * their shares of sales, their amounts per sale), never typed by hand; with no active campaign,
 * the default rate of the settings.
 */
export async function landingPage(
  request: FastifyRequest,
  { config, db }: { config: Config; db: Db },
  form: { email?: string; error?: string; signedOut?: boolean; returnTo?: string | null } = {},
): Promise<string> {
  const { t, locale } = request;
  const min = formatCents(config.payoutMinCents, locale, { wholeEuros: true });
  const offers = await activeCampaignPays(db);
  const bestRate = offers.length ? Math.max(...offers.map((offer) => offer.rateCents)) : config.defaultRateCents;
  const pitch = bestRate > 0 ? t('landing.pitch.rate', { rate: formatCents(bestRate, locale) }) : t('rev.landing.pitchSales');
  return renderPage(request, {
    title: t('landing.title'),
    mainClass: 'landing',
    body: html`${form.signedOut ? html`<p class="notice" role="status">${t('logout.done')}</p>` : ''}
<section class="hero">
  <h1>${t('landing.title')}</h1>
  <p class="pitch">${t('landing.pitch.start')} <strong>${pitch}</strong>.</p>
  <ul class="points">
    <li>${t('landing.point.noContent')}</li>
    <li>${t('landing.point.caps')}</li>
    <li>${t('landing.point.payment', { min, methods: methodList(config, t) })}</li>
  </ul>
</section>
${offers.length
  ? html`<section class="offers" aria-labelledby="offers-title"><h2 id="offers-title">${t('rev.landing.offers')}</h2>
  <ul>${offers.map((offer) => html`<li><strong>${offer.name}</strong> — ${payText(t, locale, offer)}</li>`)}</ul></section>`
  : ''}
${signInForm(request, { email: form.email, error: form.error, returnTo: form.returnTo ?? null })}
<section class="how">
  <h2>${t('landing.how.title')}</h2>
  <ol>
    <li>${t('landing.how.1')}</li>
    <li>${t('landing.how.2')}</li>
    <li>${t('landing.how.3', { min })}</li>
  </ol>
  <p><a href="/partners/leaderboard">${t('landing.links.leaderboard')}</a> · <a href="/partners/faq">${t('landing.links.faq')}</a></p>
</section>`,
  });
}

export function registerPublicPages(app: FastifyInstance, { config, db }: { config: Config; db: Db }): void {
  app.get('/', async (_request, reply) => reply.redirect('/partners', 302));

  app.get<{ Querystring: { signed_out?: string } }>('/partners', async (request, reply) =>
    reply.type(HTML_TYPE).send(await landingPage(request, { config, db }, { signedOut: request.query.signed_out === '1' })),
  );

  app.get('/partners/faq', async (request, reply) => {
    const { t, locale } = request;
    const min = formatCents(config.payoutMinCents, locale, { wholeEuros: true });
    const qa = [
      [t('faq.q.earn'), html`${t('faq.a.earn')}`],
      [t('faq.q.control'), html`${t('faq.a.control')}`],
      [t('faq.q.safety'), html`${t('faq.a.safety')}`],
      [t('faq.q.valid'), html`${t('faq.a.valid', { hours: config.clickDedupeHours, cap: config.maxPaidClicksPerDay })}`],
      [
        t('faq.q.payment'),
        html`${t('faq.a.payment', { min, methods: methodList(config, t) })} <a href="/partners/earnings">${t('faq.a.payment.link')}</a>.`,
      ],
    ] as const;
    const page = renderPage(request, {
      title: t('faq.title'),
      body: html`<h1>${t('faq.title')}</h1>
<div class="faq">${qa.map(([question, answer]) => html`<details><summary>${question}</summary><p>${answer}</p></details>`)}</div>
<p><a href="/partners">${t('faq.back')}</a></p>`,
    });
    return reply.type(HTML_TYPE).send(page);
  });
}
