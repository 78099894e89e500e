/**
 * The partner's sales on their earnings page (« Ventes », next to the clicks): each sale's date,
 * campaign, amount, commission and status (pending until a date, confirmed, refunded in part or in
 * full), what is held and when it becomes available, and the adjustments made to their earnings
 * with their reasons. Read by sales/sales-views.ts.
 */
import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../../http/html.js';
import { formatDate } from '../../lib/dates.js';
import { formatCents, formatSignedCents } from '../../lib/money.js';
import type { AdjustmentRow, PartnerSales, SaleRow } from '../sales/sales-views.js';

/** A sale's status in words: « en attente jusqu'au 12 janv. », « confirmée », « remboursée », and a partial refund. */
export function saleStatus(request: FastifyRequest, sale: SaleRow): string {
  const { t, locale } = request;
  // Refunded after its hold, the commission stays on the sale and an adjustment takes it back.
  const main = sale.status === 'refunded'
    ? sale.commissionCents > 0 ? t('rev.status.refundedAfter') : t('rev.status.refunded')
    : sale.status === 'pending'
      ? t('rev.status.pending', { date: formatDate(sale.holdUntil!, locale, { year: sale.holdUntil!.getUTCFullYear() !== sale.soldAt.getUTCFullYear() }) })
      : t('rev.status.confirmed');
  return sale.partlyRefunded ? `${main} · ${t('rev.status.partly', { amount: formatCents(sale.refundedCents, locale) })}` : main;
}

export function partnerSalesSection(request: FastifyRequest, sales: PartnerSales): Html {
  const { t, locale } = request;
  const money = (cents: number) => formatCents(cents, locale);
  return html`<section class="card" id="sales" aria-labelledby="sales-title">
  <h2 id="sales-title">${t('rev.sales.title')}</h2>
  ${sales.heldCents > 0
    ? html`<p><strong>${t('rev.sales.held', { amount: money(sales.heldCents) })}</strong>${sales.nextRelease ? html` · ${t('rev.sales.next', { amount: money(sales.nextRelease.cents), date: formatDate(sales.nextRelease.at, locale) })}` : ''}</p>`
    : ''}
  ${sales.sales.length === 0
    ? html`<p>${t('rev.sales.none')}</p>`
    : html`<table class="list stack-rows sales"><thead><tr><th scope="col">${t('rev.sales.date')}</th><th scope="col">${t('rev.sales.campaign')}</th><th scope="col" class="num">${t('rev.sales.amount')}</th><th scope="col" class="num">${t('rev.sales.commission')}</th><th scope="col">${t('rev.sales.status')}</th></tr></thead><tbody>
${sales.sales.map((sale) => html`<tr><td data-label="${t('rev.sales.date')}"><time datetime="${sale.soldAt.toISOString()}">${formatDate(sale.soldAt, locale)}</time></td><td data-label="${t('rev.sales.campaign')}" class="wrap">${sale.campaignName}</td><td data-label="${t('rev.sales.amount')}" class="num">${money(sale.amountCents)}</td><td data-label="${t('rev.sales.youEarn')}" class="num">${money(sale.commissionCents)}</td><td data-label="${t('rev.sales.status')}">${saleStatus(request, sale)}</td></tr>`)}
</tbody></table>
${sales.count > sales.sales.length ? html`<p class="help">${t('rev.sales.latest', { shown: sales.sales.length, count: sales.count })}</p>` : ''}`}
  <p class="help">${t('rev.sales.help')}</p>
</section>`;
}

/** An adjustment's reason as the partner reads it: the operator's words, or the order refunded after confirmation. */
export function adjustmentReason(request: FastifyRequest, adjustment: AdjustmentRow): string {
  return adjustment.kind === 'refund' && adjustment.orderId
    ? request.t('rev.adjustments.refund', { order: adjustment.orderId, campaign: adjustment.campaignName ?? '' })
    : adjustment.reason;
}

export function adjustmentsList(request: FastifyRequest, adjustments: AdjustmentRow[]): Html {
  const { t, locale } = request;
  return html`<table class="list stack-rows adjustments"><thead><tr><th scope="col">${t('rev.sales.date')}</th><th scope="col" class="num">${t('rev.sales.amount')}</th><th scope="col">${t('rev.adjustments.reason')}</th></tr></thead><tbody>
${adjustments.map((adjustment) => html`<tr><td data-label="${t('rev.sales.date')}"><time datetime="${adjustment.createdAt.toISOString()}">${formatDate(adjustment.createdAt, locale)}</time></td><td data-label="${t('rev.sales.amount')}" class="num${adjustment.amountCents < 0 ? ' negative' : ''}">${formatSignedCents(adjustment.amountCents, locale)}</td><td data-label="${t('rev.adjustments.reason')}" class="wrap">${adjustmentReason(request, adjustment)}</td></tr>`)}
</tbody></table>`;
}

export function partnerAdjustmentsSection(request: FastifyRequest, adjustments: AdjustmentRow[]): Html | '' {
  if (adjustments.length === 0) return '';
  return html`<section class="card" id="adjustments" aria-labelledby="adjustments-title">
  <h2 id="adjustments-title">${request.t('rev.adjustments.title')}</h2>
  <p class="help">${request.t('rev.adjustments.help')}</p>
  ${adjustmentsList(request, adjustments)}
</section>`;
}
