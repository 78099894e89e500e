/** The partner's withdrawal form and history, shown on the earnings page. */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { CSRF_FIELD } from '../../http/context.js';
import { html, type Html } from '../../http/html.js';
import { randomToken } from '../../lib/crypto.js';
import { centsToDecimalString, formatCents } from '../../lib/money.js';
import { methodList } from '../pages/public-pages.js';
import type { Withdrawal } from './withdrawals.js';
import { formatDate } from '../../lib/dates.js';

export interface WithdrawForm {
  values?: { amount?: string; method?: string; details?: string; holderName?: string; idempotencyKey?: string };
  error?: { field: string; message: string };
  notice?: string;
}

export function withdrawalSection(request: FastifyRequest, config: Config, availableCents: number, history: Withdrawal[], form: WithdrawForm = {}): Html {
  const { t, locale } = request;
  const values = form.values ?? {};
  const min = formatCents(config.payoutMinCents, locale, { wholeEuros: true });
  const error = (field: string) => (form.error?.field === field ? html`<p class="error" id="w-${field}-error" role="alert">${form.error.message}</p>` : '');
  // The field at fault takes the focus when the page loads: the browser scrolls to it, and its
  // message (next to it, role=alert) is read out.
  const invalid = (field: string) => (form.error?.field === field ? html` aria-invalid="true" aria-describedby="w-${field}-error" autofocus` : '');
  const selected = values.method ?? config.payoutMethods[0];
  const canWithdraw = availableCents >= config.payoutMinCents;
  const rows = history.map(
    (w) => html`<tr>
  <td><time datetime="${w.createdAt.toISOString()}">${formatDate(w.createdAt, locale)}</time></td>
  <td class="num">${formatCents(w.amountCents, locale)}</td>
  <td>${t(`method.${w.method}`)} · ${w.detailsMasked}</td>
  <td><span class="status status-${w.status}">${t(`withdraw.status.${w.status}`)}</span>${w.status === 'rejected' && w.reason ? html`<br><small>${t('withdraw.reasonLabel')} ${w.reason}</small>` : ''}${w.approvedAt ? html`<br><small>${t('withdraw.approvedOn', { date: formatDate(w.approvedAt, locale) })}</small>` : ''}${w.status === 'paid' && w.processedAt ? html`<br><small>${t('withdraw.paidOn', { date: formatDate(w.processedAt, locale) })}</small>` : ''}${w.status === 'rejected' && w.processedAt ? html`<br><small>${t('withdraw.rejectedOn', { date: formatDate(w.processedAt, locale) })}</small>` : ''}</td>
</tr>`,
  );
  return html`<section class="card" id="withdraw" aria-labelledby="withdraw-title">
  <h2 id="withdraw-title">${t('earnings.withdraw.title')}</h2>
  ${form.notice ? html`<p class="ok" role="status" id="requested" tabindex="-1" data-arrival>${form.notice}</p>` : ''}
  <p>${t('earnings.withdraw.rules', { min, methods: methodList(config, t) })}</p>
  ${canWithdraw ? '' : html`<p class="notice">${t('withdraw.belowMin', { min, available: formatCents(availableCents, locale) })}</p>`}
  <form method="post" action="/partners/withdraw" class="withdraw" novalidate>
    <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
    <input type="hidden" name="idempotencyKey" value="${values.idempotencyKey ?? randomToken(16)}">
    <div class="field"><label for="w-amount">${t('withdraw.amount', { min })}</label>
      <input id="w-amount" name="amount" type="text" inputmode="decimal" autocomplete="off" required value="${values.amount ?? ''}" placeholder="${centsToDecimalString(availableCents, { decimalSeparator: locale === 'fr' ? ',' : '.' })}"${invalid('amount')}>
      ${error('amount')}</div>
    <div class="field"><label for="w-method">${t('withdraw.method')}</label>
      <select id="w-method" name="method"${invalid('method')}>${config.payoutMethods.map((m) => html`<option value="${m}"${m === selected ? html` selected` : ''}>${t(`method.${m}`)}</option>`)}</select>
      ${error('method')}</div>
    <div class="field"><label for="w-details">${t('withdraw.details')}</label>
      <input id="w-details" name="details" type="text" autocomplete="off" required maxlength="200" value="${values.details ?? ''}" aria-describedby="w-details-help"${invalid('details')}>
      <p class="help" id="w-details-help">${t('withdraw.details.help')}</p>
      ${error('details')}</div>
    <div class="field"><label for="w-holder">${t('withdraw.holder')}</label>
      <input id="w-holder" name="holderName" type="text" autocomplete="name" maxlength="70" value="${values.holderName ?? ''}"${invalid('holderName')}>
      ${error('holderName')}</div>
    <button type="submit">${t('withdraw.submit')}</button>
  </form>
  <h3>${t('withdraw.history')}</h3>
  ${rows.length === 0 ? html`<p>${t('withdraw.none')}</p>` : html`<table class="list"><thead><tr><th scope="col">${t('withdraw.date')}</th><th scope="col" class="num">${t('withdraw.amountShort')}</th><th scope="col">${t('withdraw.method')}</th><th scope="col">${t('campaign.status')}</th></tr></thead><tbody>${rows}</tbody></table>`}
</section>`;
}
