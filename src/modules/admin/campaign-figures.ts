/** The figures section of a campaign's page in the back-office (its data: operator-reports.ts). */
import type { FastifyRequest } from 'fastify';
import { REFUSAL_REASONS } from '../../db/schema.js';
import { html, type Html } from '../../http/html.js';
import { formatDate } from '../../lib/dates.js';
import { formatCents } from '../../lib/money.js';
import { formatCount } from '../../lib/numbers.js';
import { REPORT_PERIODS, type CampaignReport } from './operator-reports.js';

/** An email that may wrap before its « @ » on a phone rather than in the middle of a word. */
function breakableEmail(email: string): Html {
  const at = email.lastIndexOf('@');
  return at > 0 ? html`${email.slice(0, at)}<wbr>${email.slice(at)}` : html`${email}`;
}

export function campaignFigures(request: FastifyRequest, campaignId: string, report: CampaignReport): Html {
  const { t, locale } = request;
  const n = (value: number) => formatCount(value, locale);
  const money = (cents: number) => formatCents(cents, locale);
  const periods = [...REPORT_PERIODS].sort((a, b) => a - b).map(
    (days) => html`<li><a href="/admin/campaigns/${campaignId}?days=${days}#figures"${days === report.period ? html` aria-current="page"` : ''}>${t('figures.period.days', { days })}</a></li>`,
  );
  const refused = REFUSAL_REASONS.filter((reason) => report.notCounted[reason] > 0);
  const head = (...labels: Array<[string, boolean?]>) =>
    html`<thead><tr>${labels.map(([label, numeric]) => html`<th scope="col"${numeric ? html` class="num"` : ''}>${label}</th>`)}</tr></thead>`;
  const cell = (label: string, value: string) => html`<td class="num" data-label="${label}">${value}</td>`;
  return html`<section id="figures" class="campaign-figures" aria-labelledby="figures-title">
<h2 id="figures-title">${t('figures.title', { days: report.period })}</h2>
<nav class="status-tabs" aria-label="${t('figures.period')}"><ul>${periods}</ul></nav>
<dl class="figures">
  <div class="figure"><dt>${t('figures.clicks')}</dt><dd>${n(report.clicks)}</dd><dd class="help">${t('figures.clicks.help')}</dd></div>
  <div class="figure"><dt>${t('figures.valid')}</dt><dd>${n(report.validClicks)}</dd></div>
  <div class="figure main"><dt>${t('figures.spend')}</dt><dd>${money(report.spendCents)}</dd><dd class="help">${t('figures.spend.help')}</dd></div>
  <div class="figure"><dt>${t('figures.epc')}</dt>${report.epcCents === null
    ? html`<dd>—</dd><dd class="help">${t('figures.epc.none')}. ${t('figures.epc.help')}</dd>`
    : html`<dd>${money(report.epcCents)}</dd><dd class="help">${t('figures.epc.help')}</dd>`}</div>
</dl>
${report.clicks === 0
  ? html`<p>${t('figures.none')}</p>`
  : html`<div class="figures-columns"><div>
<h3>${t('figures.notCounted')}</h3>
${refused.length
  ? html`<table class="list">${head([t('figures.reason')], [t('figures.count'), true])}<tbody>${refused.map((reason) => html`<tr><th scope="row">${t(`figures.reason.${reason}`)}</th>${cell(t('figures.count'), n(report.notCounted[reason]))}</tr>`)}</tbody></table>`
  : html`<p>${t('figures.notCounted.none')}</p>`}
<h3>${t('figures.top')}</h3>
<p class="help">${t('figures.top.help')}</p>
${report.topPartners.length
  ? html`<table class="list">${head([t('figures.rank'), true], [t('leaderboard.partner')], [t('figures.valid'), true], [t('figures.spend'), true])}<tbody>${report.topPartners.map(
      (row, index) => html`<tr>${cell(t('figures.rank'), n(index + 1))}<th scope="row"><a href="/admin/partners/${row.partnerId}">${breakableEmail(row.email)}</a></th>${cell(t('figures.valid'), n(row.validClicks))}${cell(t('figures.spend'), money(row.spendCents))}</tr>`,
    )}</tbody></table>`
  : html`<p>${t('figures.top.none')}</p>`}
</div><div>
<h3>${t('figures.daily')}</h3>
<p class="help">${t('figures.daily.help')}</p>
<table class="list">${head([t('figures.day')], [t('figures.clicks'), true], [t('figures.valid'), true], [t('figures.spend'), true])}<tbody>${[...report.days].reverse().map(
  (day) => html`<tr><th scope="row"><time datetime="${day.day}">${formatDate(new Date(`${day.day}T00:00:00Z`), locale)}</time></th>${cell(t('figures.clicks'), n(day.clicks))}${cell(t('figures.valid'), n(day.validClicks))}${cell(t('figures.spend'), money(day.spendCents))}</tr>`,
)}</tbody></table>
</div></div>`}
</section>`;
}
