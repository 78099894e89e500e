/** The partner's earnings page: figures (earned, held, available), the daily chart, sales and adjustments, the CSV statement, withdrawals. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { REFUSAL_REASONS } from '../../db/schema.js';
import { CSRF_FIELD } from '../../http/context.js';
import { requirePartner } from '../../http/guards.js';
import { html, HTML_TYPE, type Html } from '../../http/html.js';
import { submitForm } from '../../http/forms.js';
import { renderPage } from '../../http/layout.js';
import { maskEmail } from '../../lib/email.js';
import { formatCents, formatSignedCents } from '../../lib/money.js';
import { partnerAdjustments, partnerSales } from '../sales/sales-views.js';
import { partnerAdjustmentsSection, partnerSalesSection } from './partner-sales-section.js';
import { fallbackEpcCents, partnerBalance, dailyValidClicks, RECENT_DAYS } from '../earnings/balance.js';
import { dailyClicksChart } from '../earnings/chart.js';
import { partnerStatsCsv } from '../earnings/statement-csv.js';
import type { Mailer } from '../mail/mailer.js';
import { askForPayoutMethodChange, askForWithdrawal } from '../withdrawals/decisions.js';
import { maskedMethod } from '../withdrawals/notifications.js';
import { partnerPayoutMethod } from '../withdrawals/payout-method.js';
import { limitPayoutMethodAsks, registerPayoutMethodConfirmation } from '../withdrawals/payout-method-pages.js';
import { withdrawalSection, type WithdrawForm } from '../withdrawals/withdrawal-views.js';
import { partnerWithdrawals, WITHDRAW_ALL } from '../withdrawals/withdrawals.js';
import { formatCount } from '../../lib/numbers.js';
import { AUTOPILOT_PERIODS, autopilotEarnings, type AutopilotFigures, type AutopilotPeriod } from '../earnings/autopilot-earnings.js';

/**
 * « Ce que l'autopilote t'a rapporté »: its publications out, valid clicks and euros over 7 and 30
 * days; with nothing yet, how to turn it on (the portal's « Comptes connectés »).
 */
function autopilotSection(request: FastifyRequest, figures: Record<AutopilotPeriod, AutopilotFigures>): Html {
  const { t, locale } = request;
  const periods = Object.keys(AUTOPILOT_PERIODS) as AutopilotPeriod[];
  const nothing = periods.every((period) => figures[period].publications === 0 && figures[period].validClicks === 0 && figures[period].earnedCents === 0);
  return html`<section class="card autopilot-earnings" id="autopilot" aria-labelledby="autopilot-title">
  <h2 id="autopilot-title">${t('opAuto.earnings.title')}</h2>
  <div class="autopilot-periods">${periods.map((period) => html`<div><h3>${t('opAuto.earnings.period', { days: AUTOPILOT_PERIODS[period] })}</h3>
  <dl class="text-figures">
    <div><dt>${t('opAuto.earnings.publications')}</dt><dd>${formatCount(figures[period].publications, locale)}</dd></div>
    <div><dt>${t('opAuto.earnings.valid')}</dt><dd>${formatCount(figures[period].validClicks, locale)}</dd></div>
    <div class="main"><dt>${t('opAuto.earnings.earned')}</dt><dd>${formatCents(figures[period].earnedCents, locale)}</dd></div>
  </dl></div>`)}</div>
  ${nothing
    ? html`<p class="help">${t('opAuto.earnings.none')} <a href="/partner/portal#accounts">${t('opAuto.earnings.howTo')}</a></p>`
    : html`<p class="help">${t('opAuto.earnings.help')} <a href="/partner/portal#accounts">${t('opAuto.earnings.settings')}</a></p>`}
</section>`;
}

export function registerEarningsPages(app: FastifyInstance, { config, db, mailer }: { config: Config; db: Db; mailer: Mailer }): void {
  async function earningsPage(request: FastifyRequest, form: WithdrawForm = {}): Promise<string> {
    const partner = requirePartner(request);
    const { t, locale } = request;
    const [balance, series, history, payoutMethod, autopilot, sales, adjustments] = await Promise.all([
      partnerBalance(db, partner.partnerId, { fallbackEpcCents: await fallbackEpcCents(db, config.defaultRateCents), clickHoldingDays: config.clickHoldingDays }),
      dailyValidClicks(db, partner.partnerId, 30),
      partnerWithdrawals(db, partner.partnerId),
      partnerPayoutMethod(db, partner.partnerId),
      autopilotEarnings(db, partner.partnerId),
      partnerSales(db, partner.partnerId),
      partnerAdjustments(db, partner.partnerId),
    ]);
    const money = (cents: number) => formatCents(cents, locale);
    const figures: Array<[string, string, string?]> = [
      [t('earnings.clicks90'), formatCount(balance.validClicks90d, locale)],
      [t('earnings.epc'), money(balance.epcCents90d), t('earnings.epc.help')],
      [t('earnings.gross'), money(balance.earnedCents), balance.adjustmentCents !== 0 ? t('rev.balance.earnedHelp', { adjustments: formatSignedCents(balance.adjustmentCents, locale) }) : undefined],
      [t('rev.balance.held'), money(balance.heldCents), t('rev.balance.heldHelp')],
      [t('rev.balance.withdrawing'), money(balance.pendingCents)],
      [t('earnings.paid'), money(balance.paidCents)],
      [t('earnings.available'), money(balance.availableCents), balance.availableCents < 0 ? t('rev.balance.negative') : undefined],
    ];
    const notCounted = REFUSAL_REASONS.filter((reason) => balance.notCounted[reason] > 0);
    return renderPage(request, {
      title: t('earnings.title'),
      body: html`<h1>${t('earnings.title')}</h1>
<p>${t('earnings.account', { email: maskEmail(partner.email) })}</p>
<dl class="figures">${figures.map(([label, value, help], index) => html`<div class="figure${index === figures.length - 1 ? ' main' : ''}${index === figures.length - 1 && balance.availableCents < 0 ? ' negative' : ''}"><dt>${label}</dt><dd>${value}</dd>${help ? html`<dd class="help">${help}</dd>` : ''}</div>`)}</dl>
${balance.availableCents < 0 ? html`<p class="notice" role="status">${t('rev.balance.negativeNotice', { amount: money(balance.availableCents) })}</p>` : ''}
<section class="card">
  <h2>${t('earnings.chart.title')}</h2>
  ${dailyClicksChart(series, request)}
  <p><a href="/partners/earnings.csv" download>${t('earnings.csv')}</a></p>
</section>
${partnerSalesSection(request, sales)}
${partnerAdjustmentsSection(request, adjustments)}
${autopilotSection(request, autopilot)}
<section class="card">
  <h2>${t('earnings.notCounted.title', { days: RECENT_DAYS })}</h2>
  ${notCounted.length === 0
    ? html`<p>${t('earnings.notCounted.none')}</p>`
    : html`<ul class="reasons">${notCounted.map((reason) => html`<li><strong>${formatCount(balance.notCounted[reason], locale)}</strong> — ${t(`reason.${reason}`)}</li>`)}</ul>`}
</section>
${withdrawalSection(request, config, balance.availableCents, history, { ...payoutMethod, email: partner.email }, form)}
<script src="/assets/app.js" defer></script>`,
    });
  }

  app.get<{ Querystring: { requested?: string; method?: string } }>('/partners/earnings', async (request, reply) => {
    const partner = requirePartner(request);
    const { t } = request;
    let notice: string | undefined;
    // The request just made (the partner's own history holds it) is named with its amount.
    const requestedId = request.query.requested;
    if (requestedId) notice = t('withdraw.requestedNotice');
    if (request.query.method === 'sent') notice = t('payoutMethod.sent', { email: maskEmail(partner.email) });
    if (request.query.method === 'confirmed') {
      const saved = (await partnerPayoutMethod(db, partner.partnerId)).saved;
      if (saved) notice = t('payoutMethod.confirmed', { method: maskedMethod(t, saved.method, saved.detailsMasked) });
    }
    return reply.type(HTML_TYPE).send(await earningsPage(request, { notice, ...(requestedId ? { requestedId } : {}) }));
  });

  app.post<{ Body: Record<string, string | undefined> }>(
    '/partners/withdraw',
    {
      schema: {
        body: {
          type: 'object',
          properties: Object.fromEntries(['amount', 'withdrawAll', 'method', 'details', 'holderName', 'idempotencyKey', CSRF_FIELD].map((name) => [name, { type: 'string', maxLength: 500 }])),
        },
      },
    },
    async (request, reply) => {
      const partner = requirePartner(request);
      const body = request.body;
      // « Tout retirer » is a second submit button: the server reads `all` as what is available
      // under the lock that reserves it, so it works without JavaScript and can never overdraw.
      const input = body.withdrawAll === '1' ? { ...body, amount: WITHDRAW_ALL } : body;
      const services = { db, config, mailer, log: request.log };
      return submitForm(request, reply, () => askForWithdrawal(services, partner.partnerId, input, body.idempotencyKey ?? null), {
        done: (result) => reply.redirect(`/partners/earnings?requested=${result.withdrawal.id}#requested`, 303),
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

  app.post<{ Body: Record<string, string | undefined> }>(
    '/partners/payout-method',
    { schema: { body: { type: 'object', properties: Object.fromEntries(['method', 'details', 'holderName', CSRF_FIELD].map((name) => [name, { type: 'string', maxLength: 500 }])) } } },
    async (request, reply) => {
      const partner = requirePartner(request);
      const { method, details, holderName } = request.body;
      await limitPayoutMethodAsks(db, config, partner.partnerId);
      return submitForm(request, reply, () => askForPayoutMethodChange({ db, config, mailer, log: request.log }, partner.partnerId, { method, details, holderName }), {
        done: () => reply.redirect('/partners/earnings?method=sent#requested', 303),
        render: (error) => earningsPage(request, { methodForm: { values: { method, details, holderName }, error: { field: error.field ?? 'details', message: error.message } } }),
      });
    },
  );
  registerPayoutMethodConfirmation(app, { db });

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
