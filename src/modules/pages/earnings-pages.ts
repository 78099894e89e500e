/** The partner's earnings page: figures, the daily chart, the CSV statement, withdrawals. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { REFUSAL_REASONS } from '../../db/schema.js';
import { CSRF_FIELD } from '../../http/context.js';
import { requirePartner } from '../../http/guards.js';
import { html, HTML_TYPE } from '../../http/html.js';
import { submitForm } from '../../http/forms.js';
import { renderPage } from '../../http/layout.js';
import { maskEmail } from '../../lib/email.js';
import { formatCents } from '../../lib/money.js';
import { fallbackEpcCents, partnerBalance, dailyValidClicks, RECENT_DAYS } from '../earnings/balance.js';
import { dailyClicksChart } from '../earnings/chart.js';
import { partnerStatsCsv } from '../earnings/statement-csv.js';
import { withdrawalSection, type WithdrawForm } from '../withdrawals/withdrawal-views.js';
import { partnerWithdrawals, requestWithdrawal } from '../withdrawals/withdrawals.js';

export function registerEarningsPages(app: FastifyInstance, { config, db }: { config: Config; db: Db }): void {
  async function earningsPage(request: FastifyRequest, form: WithdrawForm = {}): Promise<string> {
    const partner = requirePartner(request);
    const { t, locale } = request;
    const [balance, series, history] = await Promise.all([
      partnerBalance(db, partner.partnerId, { fallbackEpcCents: await fallbackEpcCents(db, config.defaultRateCents) }),
      dailyValidClicks(db, partner.partnerId, 30),
      partnerWithdrawals(db, partner.partnerId),
    ]);
    const money = (cents: number) => formatCents(cents, locale);
    const figures: Array<[string, string, string?]> = [
      [t('earnings.clicks90'), String(balance.validClicks90d)],
      [t('earnings.epc'), money(balance.epcCents90d), t('earnings.epc.help')],
      [t('earnings.gross'), money(balance.earnedCents)],
      [t('earnings.pendingAmount'), money(balance.pendingCents)],
      [t('earnings.paid'), money(balance.paidCents)],
      [t('earnings.available'), money(balance.availableCents)],
    ];
    const notCounted = REFUSAL_REASONS.filter((reason) => balance.notCounted[reason] > 0);
    return renderPage(request, {
      title: t('earnings.title'),
      body: html`<h1>${t('earnings.title')}</h1>
<p>${t('earnings.account', { email: maskEmail(partner.email) })}</p>
<dl class="figures">${figures.map(([label, value, help], index) => html`<div class="figure${index === figures.length - 1 ? ' main' : ''}"><dt>${label}</dt><dd>${value}</dd>${help ? html`<dd class="help">${help}</dd>` : ''}</div>`)}</dl>
<section class="card">
  <h2>${t('earnings.chart.title')}</h2>
  ${dailyClicksChart(series, request)}
  <p><a href="/partners/earnings.csv" download>${t('earnings.csv')}</a></p>
</section>
<section class="card">
  <h2>${t('earnings.notCounted.title', { days: RECENT_DAYS })}</h2>
  ${notCounted.length === 0
    ? html`<p>${t('earnings.notCounted.none')}</p>`
    : html`<ul class="reasons">${notCounted.map((reason) => html`<li><strong>${balance.notCounted[reason]}</strong> — ${t(`reason.${reason}`)}</li>`)}</ul>`}
</section>
${withdrawalSection(request, config, balance.availableCents, history, form)}
<script src="/assets/app.js" defer></script>`,
    });
  }

  app.get<{ Querystring: { requested?: string } }>('/partners/earnings', async (request, reply) => {
    const notice = request.query.requested === '1' ? request.t('withdraw.requested') : undefined;
    return reply.type(HTML_TYPE).send(await earningsPage(request, { notice }));
  });

  app.post<{ Body: Record<string, string | undefined> }>(
    '/partners/withdraw',
    {
      schema: {
        body: {
          type: 'object',
          properties: Object.fromEntries(['amount', 'method', 'details', 'holderName', 'idempotencyKey', CSRF_FIELD].map((name) => [name, { type: 'string', maxLength: 500 }])),
        },
      },
    },
    async (request, reply) => {
      const partner = requirePartner(request);
      const body = request.body;
      return submitForm(request, reply, () => requestWithdrawal(db, config, partner.partnerId, body, body.idempotencyKey ?? null), {
        done: () => reply.redirect('/partners/earnings?requested=1#requested', 303),
        params: { min: formatCents(config.payoutMinCents, request.locale, { wholeEuros: true }) },
        render: (error) => {
          // A form whose key served another request must not replay it: a new key for the next try.
          const values = { ...body, idempotencyKey: error.code === 'idempotency_mismatch' ? undefined : body.idempotencyKey };
          // The key is no field a person sees; refusals without a field go next to the amount.
          const field = error.field === null || error.field === 'idempotencyKey' ? 'amount' : error.field;
          return earningsPage(request, { values, error: { field, message: error.message } });
        },
      });
    },
  );

  app.get('/partners/earnings.csv', async (request, reply) => {
    const partner = requirePartner(request);
    const statement = await partnerStatsCsv(db, partner.partnerId, request.locale);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${statement.filename}"`)
      .header('cache-control', 'no-store')
      // The byte-order mark tells Excel the file is UTF-8.
      .send('\ufeff' + statement.body);
  });
}
