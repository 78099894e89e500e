import { html, type Html } from '../../http/html.js';

/**
 * Daily valid clicks as a server-rendered SVG bar chart (no script), with a text title and a
 * table fallback for screen readers supplied by the caller.
 */
export function dailyClicksChart(series: Array<{ day: string; clicks: number }>, labels: { title: string; clicks: (n: number, day: string) => string }): Html {
  const width = 600;
  const height = 160;
  const pad = { top: 10, bottom: 22, left: 30 };
  const max = Math.max(1, ...series.map((point) => point.clicks));
  const step = (width - pad.left) / Math.max(1, series.length);
  const barWidth = Math.max(2, step - 3);
  const plotHeight = height - pad.top - pad.bottom;
  const bars = series.map((point, index) => {
    const barHeight = Math.round((point.clicks / max) * plotHeight);
    const x = pad.left + index * step;
    const y = pad.top + plotHeight - barHeight;
    return html`<rect x="${x.toFixed(1)}" y="${y}" width="${barWidth.toFixed(1)}" height="${Math.max(barHeight, point.clicks > 0 ? 1 : 0)}" class="bar"><title>${labels.clicks(point.clicks, point.day)}</title></rect>`;
  });
  const first = series[0]?.day ?? '';
  const last = series.at(-1)?.day ?? '';
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${labels.title}" preserveAspectRatio="none">
  <line x1="${pad.left}" y1="${pad.top + plotHeight}" x2="${width}" y2="${pad.top + plotHeight}" class="axis"/>
  <text x="0" y="${pad.top + 8}" class="tick">${max}</text>
  <text x="0" y="${pad.top + plotHeight}" class="tick">0</text>
  ${bars}
  <text x="${pad.left}" y="${height - 4}" class="tick">${first.slice(5)}</text>
  <text x="${width}" y="${height - 4}" class="tick" text-anchor="end">${last.slice(5)}</text>
</svg>`;
}
