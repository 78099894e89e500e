/**
 * Sales as an operator reads them, on a campaign's page and on a partner's: totals, the latest 50
 * with why each earned or not (« clic d'un robot », « hors fenêtre d'attribution », « son propre
 * clic », « sans identifiant de clic »…), and those that earned nothing grouped by reason.
 */
import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../../http/html.js';
import { REFUSAL_REASONS, type RefusalReason } from '../../db/schema.js';
import type { Translate } from '../../i18n/index.js';
import { formatDate } from '../../lib/dates.js';
import { formatCents } from '../../lib/money.js';
import { formatCount } from '../../lib/numbers.js';
import { saleStatus } from '../pages/partner-sales-section.js';
import type { SaleRow, SalesOverview } from '../sales/sales-views.js';

/** Why a sale earned or not, in words; a click that did not count says its verdict (the catalogue's reason.*). */
export function attributionLabel(t: Translate, attribution: SaleRow['attribution'], verdict: string | null): string {
  if (attribution !== 'invalid_click') return t(`rev.reason.${attribution}`);
  if (verdict === 'bot') return t('rev.reason.bot');
  const known = verdict !== null && (REFUSAL_REASONS as readonly string[]).includes(verdict);
  return t('rev.reason.invalid_click', { reason: known ? t(`reason.${verdict as RefusalReason}`) : (verdict ?? '?') });
}

export function salesAdminSection(request: FastifyRequest, overview: SalesOverview, show: 'partner' | 'campaign'): Html {
  const { t, locale } = request;
  const money = (cents: number) => formatCents(cents, locale);
  const { totals } = overview;
  const who = (sale: SaleRow) =>
    show === 'partner'
      ? sale.partnerId ? html`<a href="/admin/partners/${sale.partnerId}">${sale.partnerEmail ?? sale.partnerId.slice(0, 8)}</a>` : html`—`
      : html`<a href="/admin/campaigns/${sale.campaignId}">${sale.campaignName}</a>`;
  const whoLabel = show === 'partner' ? t('rev.admin.partner') : t('rev.sales.campaign');
  return html`<section class="card" id="sales" aria-labelledby="sales-title">
  <h2 id="sales-title">${t('rev.sales.title')}</h2>
  ${totals.count === 0
    ? html`<p>${t('rev.admin.none')}</p>`
    : html`<dl class="text-figures sales-totals">
    <div><dt>${t('rev.admin.count')}</dt><dd>${t('rev.admin.countValue', { count: totals.count, attributed: totals.attributed })}</dd></div>
    <div><dt>${t('rev.admin.amount')}</dt><dd>${money(totals.amountCents)}</dd></div>
    <div><dt>${t('rev.admin.commission')}</dt><dd>${money(totals.commissionCents)}</dd></div>
    <div><dt>${t('rev.balance.held')}</dt><dd>${money(totals.heldCents)}</dd></div>
    <div><dt>${t('rev.admin.refunded')}</dt><dd>${money(totals.refundedCents)}</dd></div>
  </dl>
  ${overview.refusals.length
    ? html`<h3>${t('rev.admin.refusals')}</h3><ul class="reasons">${overview.refusals.map((group) => html`<li><strong>${formatCount(group.count, locale)}</strong> — ${attributionLabel(t, group.attribution, group.verdict)} (${money(group.amountCents)})</li>`)}</ul>`
    : html`<p class="help">${t('rev.admin.allAttributed')}</p>`}
  <h3>${t('rev.admin.latest', { n: overview.sales.length })}</h3>
  <table class="list stack-rows sales"><thead><tr><th scope="col">${t('rev.sales.date')}</th><th scope="col">${t('rev.admin.order')}</th><th scope="col">${whoLabel}</th><th scope="col" class="num">${t('rev.sales.amount')}</th><th scope="col" class="num">${t('rev.sales.commission')}</th><th scope="col">${t('rev.admin.why')}</th></tr></thead><tbody>
${overview.sales.map((sale) => html`<tr><td data-label="${t('rev.sales.date')}"><time datetime="${sale.soldAt.toISOString()}">${formatDate(sale.soldAt, locale)}</time></td><td data-label="${t('rev.admin.order')}" class="wrap">${sale.orderId}<br><small>${t(`rev.source.${sale.source}`)}</small></td><td data-label="${whoLabel}" class="wrap">${who(sale)}</td><td data-label="${t('rev.sales.amount')}" class="num">${money(sale.amountCents)}</td><td data-label="${t('rev.admin.owed')}" class="num">${money(sale.commissionCents)}</td><td data-label="${t('rev.admin.why')}">${attributionLabel(t, sale.attribution, sale.clickVerdict)}${sale.attribution === 'attributed' ? html`<br><small>${saleStatus(request, sale)}</small>` : ''}</td></tr>`)}
</tbody></table>`}
</section>`;
}
