import type { Locale } from '../../config.js';
import { html, type Html } from '../../http/html.js';
import type { Translate } from '../../i18n/index.js';
import { formatDay } from '../../lib/dates.js';
import { formatCount } from '../../lib/numbers.js';

/** How many dates the axis names: the first, the last and three between (weekly over 30 days). */
const AXIS_LABELS = 5;

/**
 * Daily valid clicks as a bar chart in HTML and CSS, without script: a bar's height is one of the
 * classes h0…h100 of app.css (the content security policy allows no inline style), its value
 * shows when the bar is touched or hovered (a bar takes the focus on a tap, not in the tab order),
 * and the same figures are a table under « Voir le détail », which screen readers use: the
 * drawing itself is hidden from them. Text is HTML, so it stays legible at any width.
 */
export function dailyClicksChart(series: Array<{ day: string; clicks: number }>, { t, locale }: { t: Translate; locale: Locale }): Html {
  const max = Math.max(0, ...series.map((point) => point.clicks));
  const total = series.reduce((sum, point) => sum + point.clicks, 0);
  const best = series.reduce<{ day: string; clicks: number } | null>((top, point) => (point.clicks > (top?.clicks ?? 0) ? point : top), null);
  const label = (point: { day: string; clicks: number }) => t('earnings.chart.bar', { n: point.clicks, day: formatDay(point.day, locale) });
  const summary = best
    ? t('earnings.chart.summary', { total, days: series.length, best: best.clicks, day: formatDay(best.day, locale) })
    : t('earnings.chart.empty', { days: series.length });
  const edge = Math.max(1, Math.round(series.length / 6));
  const bars = series.map((point, index) => {
    const percent = max === 0 ? 0 : Math.max(point.clicks > 0 ? 1 : 0, Math.round((point.clicks / max) * 100));
    // The value's bubble leans inwards near the edges so that it never leaves the chart.
    const side = index < edge ? ' tip-start' : index >= series.length - edge ? ' tip-end' : '';
    return html`<li tabindex="-1" class="h${percent}${side}"><span class="tip">${label(point)}</span></li>`;
  });
  const ticks = series.length <= 1 ? series : Array.from({ length: AXIS_LABELS }, (_, i) => series[Math.round((i * (series.length - 1)) / (AXIS_LABELS - 1))]!);
  return html`<figure class="daily-chart">
  <figcaption>${summary}</figcaption>
  <div class="plot" aria-hidden="true">
    <span class="ymax">${t('earnings.chart.max', { n: max })}</span>
    <ol class="bars">${bars}</ol>
    <div class="days">${ticks.map((point) => html`<span>${formatDay(point.day, locale)}</span>`)}</div>
  </div>
  ${best ? html`<p class="help">${t('earnings.chart.touch')}</p>` : ''}
  <details>
    <summary>${t('earnings.chart.table')}</summary>
    <table class="list"><caption class="sr-only">${t('earnings.chart.title')}</caption><thead><tr><th scope="col">${t('earnings.day')}</th><th scope="col" class="num">${t('earnings.validClicks')}</th></tr></thead>
    <tbody>${series.map((point) => html`<tr><td><time datetime="${point.day}">${formatDay(point.day, locale)}</time></td><td class="num">${formatCount(point.clicks, locale)}</td></tr>`)}</tbody></table>
  </details>
</figure>`;
}
