/**
 * The partner's withdrawal section of the earnings page: one tap to the saved payout method (or
 * the full form without one), the saved method and its change, and the history as cards with
 * their dated steps (cards read on a phone as well as on a laptop, where they sit side by side).
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { CSRF_FIELD } from '../../http/context.js';
import { html, type Html } from '../../http/html.js';
import type { MessageKey } from '../../i18n/index.js';
import { randomToken } from '../../lib/crypto.js';
import { formatDate } from '../../lib/dates.js';
import { maskEmail } from '../../lib/email.js';
import { centsToDecimalString, formatCents } from '../../lib/money.js';
import { methodList } from '../pages/public-pages.js';
import { maskedMethod } from './notifications.js';
import type { PendingPayoutMethod, SavedPayoutMethod } from './payout-method.js';
import type { Withdrawal } from './withdrawals.js';

type FieldError = { field: string; message: string };

export interface WithdrawForm {
  values?: { amount?: string; method?: string; details?: string; holderName?: string; idempotencyKey?: string };
  error?: FieldError;
  notice?: string;
  /** The request just made: the notice then says its amount and where it goes. */
  requestedId?: string;
  /** The payout method form, when it was just sent and refused. */
  methodForm?: { values: { method?: string; details?: string; holderName?: string }; error: FieldError };
}

export interface PayoutMethodState {
  saved: SavedPayoutMethod | null;
  pending: PendingPayoutMethod | null;
  /** The partner's address, where the confirmation link goes (shown masked). */
  email: string;
}

/** Message, aria and autofocus for the field at fault; ids are prefixed per form (`w-`, `pm-`). */
function fieldErrors(prefix: string, error: FieldError | undefined) {
  return {
    // The field at fault takes the focus when the page loads: the browser scrolls to it, and its
    // message (next to it, role=alert) is read out.
    message: (field: string) => (error?.field === field ? html`<p class="error" id="${prefix}-${field}-error" role="alert">${error.message}</p>` : ''),
    invalid: (field: string) => (error?.field === field ? html` aria-invalid="true" aria-describedby="${prefix}-${field}-error" autofocus` : ''),
  };
}

/** Method, details and holder: the same three fields in the request form and the method form. */
function destinationFields(request: FastifyRequest, config: Config, prefix: string, values: { method?: string; details?: string; holderName?: string }, error: FieldError | undefined): Html {
  const { t } = request;
  const { message, invalid } = fieldErrors(prefix, error);
  const selected = values.method ?? config.payoutMethods[0];
  return html`<div class="field"><label for="${prefix}-method">${t('withdraw.method')}</label>
      <select id="${prefix}-method" name="method"${invalid('method')}>${config.payoutMethods.map((m) => html`<option value="${m}"${m === selected ? html` selected` : ''}>${t(`method.${m}`)}</option>`)}</select>
      ${message('method')}</div>
    <div class="field"><label for="${prefix}-details">${t('withdraw.details')}</label>
      <input id="${prefix}-details" name="details" type="text" autocomplete="off" required maxlength="200" value="${values.details ?? ''}" aria-describedby="${prefix}-details-help"${invalid('details')}>
      <p class="help" id="${prefix}-details-help">${t('withdraw.details.help')}</p>
      ${message('details')}</div>
    <div class="field"><label for="${prefix}-holder">${t('withdraw.holder')}</label>
      <input id="${prefix}-holder" name="holderName" type="text" autocomplete="name" maxlength="70" value="${values.holderName ?? ''}"${invalid('holderName')}>
      ${message('holderName')}</div>`;
}

/** Where a one-tap withdrawal goes. */
function savedMethodBox(request: FastifyRequest, saved: SavedPayoutMethod): Html {
  return html`<div class="payout-to"><p class="payout-to-label">${request.t('payoutMethod.savedTitle')}</p><p class="payout-to-value"><strong>${destination(request, saved.method, saved.detailsMasked)}</strong></p></div>`;
}

/** « PayPal · ab…c@example.com », the masked details kept on one line. */
function destination(request: FastifyRequest, method: Withdrawal['method'], masked: string): Html {
  return html`${request.t(`payoutMethod.name.${method}`)} · <span class="masked">${masked}</span>`;
}

/** A change waiting for its link, and the form to ask for a change (or the first saving). */
function payoutMethodBlock(request: FastifyRequest, config: Config, state: PayoutMethodState, form: WithdrawForm): Html {
  const { t, locale } = request;
  const refused = form.methodForm;
  return html`${state.pending
    ? html`<p class="notice" id="payout-method-pending">${t('payoutMethod.pending', { method: maskedMethod(t, state.pending.method, state.pending.detailsMasked), email: maskEmail(state.email), date: formatDate(state.pending.expiresAt, locale, { time: true }) })}</p>`
    : ''}
  <details class="payout-method"${refused ? html` open` : ''}>
    <summary>${state.saved ? t('payoutMethod.change') : t('payoutMethod.add')}</summary>
    <p class="help">${t('payoutMethod.help')}</p>
    <form method="post" action="/partners/payout-method" novalidate>
      <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
      ${destinationFields(request, config, 'pm', refused?.values ?? {}, refused?.error)}
      <button type="submit">${t('payoutMethod.submit')}</button>
    </form>
  </details>`;
}

/** One request as a card: amount and status, where it goes, and its dated steps. */
function withdrawalCard(request: FastifyRequest, w: Withdrawal): Html {
  const { t, locale } = request;
  const when = (date: Date) => html`<time datetime="${date.toISOString()}">${formatDate(date, locale, { time: true })}</time>`;
  const step = (key: 'requested' | 'approved' | 'paid' | 'rejected', date: Date, extra: Html | string = '') =>
    html`<li class="step step-${key}"><span>${messageAround(request, `withdraw.step.${key}`, 'date', when(date))}</span>${extra}</li>`;
  const amount = formatCents(w.amountCents, locale);
  const next = w.status === 'requested' || w.status === 'approved' ? html`<li class="step step-next"><span>${t(`withdraw.step.next.${w.status}`)}</span></li>` : '';
  return html`<li class="withdrawal" aria-label="${t('withdraw.card', { amount, date: formatDate(w.createdAt, locale) })}">
  <div class="withdrawal-head"><span class="withdrawal-amount">${amount}</span> <span class="status status-${w.status}">${t(`withdraw.status.${w.status}`)}</span></div>
  <p class="withdrawal-to">${destination(request, w.method, w.detailsMasked)}</p>
  <ol class="timeline">
    ${step('requested', w.createdAt)}
    ${w.approvedAt ? step('approved', w.approvedAt) : ''}
    ${w.status === 'paid' && w.processedAt ? step('paid', w.processedAt, w.reference ? html`<br><small>${messageAround(request, 'withdraw.step.reference', 'reference', html`<span class="reference">${w.reference}</span>`)}</small>` : '') : ''}
    ${w.status === 'rejected' && w.processedAt ? step('rejected', w.processedAt, w.reason ? html`<br><small>${t('withdraw.step.reason', { reason: w.reason })}</small>` : '') : ''}
    ${next}
  </ol>
</li>`;
}

/** A message with markup where its parameter stands: « Payée le <time …>30 nov. 2026, 14:51 UTC</time> ». */
function messageAround(request: FastifyRequest, key: MessageKey, name: string, markup: Html): Html {
  const marker = '\u0000';
  const [before = '', after = ''] = request.t(key, { [name]: marker }).split(marker);
  return html`${before}${markup}${after}`;
}

export function withdrawalSection(request: FastifyRequest, config: Config, availableCents: number, history: Withdrawal[], method: PayoutMethodState, form: WithdrawForm = {}): Html {
  const { t, locale } = request;
  const values = form.values ?? {};
  const min = formatCents(config.payoutMinCents, locale, { wholeEuros: true });
  const { message, invalid } = fieldErrors('w', form.error);
  const canWithdraw = availableCents >= config.payoutMinCents;
  const arrived = form.requestedId ? history.find((w) => w.id === form.requestedId) : undefined;
  const notice = arrived
    ? t('withdraw.requestedNoticeAmount', { amount: formatCents(arrived.amountCents, locale), method: maskedMethod(t, arrived.method, arrived.detailsMasked) })
    : form.notice;
  return html`<section class="card" id="withdraw" aria-labelledby="withdraw-title">
  <h2 id="withdraw-title">${t('earnings.withdraw.title')}</h2>
  ${notice ? html`<p class="ok" role="status" id="requested" tabindex="-1" data-arrival>${notice}</p>` : ''}
  <p>${t('earnings.withdraw.rules', { min, methods: methodList(config, t) })}</p>
  ${canWithdraw ? '' : html`<p class="notice">${t('withdraw.belowMin', { min, available: formatCents(availableCents, locale) })}</p>`}
  ${method.saved ? savedMethodBox(request, method.saved) : ''}
  <form method="post" action="/partners/withdraw" class="withdraw" novalidate>
    <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
    <input type="hidden" name="idempotencyKey" value="${values.idempotencyKey ?? randomToken(16)}">
    <div class="field"><label for="w-amount">${t('withdraw.amount', { min })}</label>
      <input id="w-amount" name="amount" type="text" inputmode="decimal" autocomplete="off" value="${values.amount ?? ''}" ${canWithdraw ? html` placeholder="${centsToDecimalString(availableCents, { decimalSeparator: locale === 'fr' ? ',' : '.' })}"` : ''}${invalid('amount')}>
      ${message('amount')}</div>
    ${method.saved ? '' : destinationFields(request, config, 'w', values, form.error)}
    <div class="withdraw-actions">
      <button type="submit">${t('withdraw.submit')}</button>
      ${canWithdraw ? html`<button type="submit" name="withdrawAll" value="1" class="quiet">${t('withdraw.all', { amount: formatCents(availableCents, locale) })}</button>` : ''}
    </div>
  </form>
  ${payoutMethodBlock(request, config, method, form)}
  <h3 id="history-title">${t('withdraw.history')}</h3>
  ${history.length === 0 ? html`<p>${t('withdraw.none')}</p>` : html`<ol class="withdrawals" aria-labelledby="history-title">${history.map((w) => withdrawalCard(request, w))}</ol>`}
</section>`;
}
