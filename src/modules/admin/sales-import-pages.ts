/**
 * The operators' import of a campaign's sales from a CSV, `/admin/campaigns/:id/sales/import`: a
 * form (a file, or pasted text), then a preview of every line, then « Importer » and the report.
 * The page parses, calls sales/sales-import.ts `runSalesImport`, and renders; a file it cannot
 * read is refused next to its field, the form kept. Its forms are multipart (a file may come
 * with them), for these routes only, read only for an operator; the preview's « Importer » form
 * sends the CSV's text back, so nothing is kept on the server between the two steps.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import { REFUSAL_REASONS } from '../../db/schema.js';
import { CSRF_FIELD } from '../../http/context.js';
import { submitForm, type FormError } from '../../http/forms.js';
import { operatorActor, requireOperator } from '../../http/guards.js';
import { html, type Html } from '../../http/html.js';
import { operatorMultipart } from '../../http/operator-multipart.js';
import { renderPage } from '../../http/layout.js';
import { formatCents } from '../../lib/money.js';
import type { MessageKey } from '../../i18n/index.js';
import { getCampaign, type Campaign } from '../campaigns/campaigns.js';
import type { SalesDeps } from '../sales/sales.js';
import { MAX_IMPORT_BYTES, MAX_IMPORT_LINES } from '../sales/sales-csv.js';
import { IMPORT_STATUSES, runSalesImport, type ImportLine, type SalesImport } from '../sales/sales-import.js';
import { sendPage as send } from './admin-common.js';

const importBody = {
  type: 'object',
  properties: {
    // The file's bytes, or whatever a form without a file sent.
    file: {},
    text: { type: 'string' },
    mode: { type: 'string', enum: ['preview', 'import'] },
    [CSRF_FIELD]: { type: 'string' },
  },
} as const;

interface ImportBody {
  file?: unknown;
  text?: string;
  mode?: 'preview' | 'import';
}

const EXAMPLE = 'commande;clic;montant;date\nA-1042;k3x9a.Zp4mQ0sLr8TbYw2E;49,90;2026-03-14\nA-1043;;120,00;15/03/2026';

export const importPath = (campaignId: string) => `/admin/campaigns/${campaignId}/sales/import`;

export function registerSalesImportPages(app: FastifyInstance, { db, sales }: { db: Db; sales: SalesDeps }): void {
  function formCard(request: FastifyRequest, campaign: Campaign, error?: FormError, text = ''): Html {
    const { t } = request;
    const at = (name: string) => (error?.field === name ? error : undefined);
    const invalid = (name: string) => (at(name) ? html` aria-invalid="true" aria-describedby="import-${name}-error"` : '');
    const message = (name: string) => (at(name) ? html`<p class="error" id="import-${name}-error" role="alert">${at(name)!.message}</p>` : '');
    return html`<form method="post" action="${importPath(campaign.id)}" enctype="multipart/form-data" class="card" novalidate>
  <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
  <input type="hidden" name="mode" value="preview">
  ${error && error.field !== 'file' && error.field !== 'text' ? html`<p class="error" role="alert">${error.message}</p>` : ''}
  <div class="field"><label for="import-file">${t('import.file')}</label>
  <input type="file" id="import-file" name="file" accept=".csv,.txt,text/csv,text/plain"${invalid('file')}>${message('file')}</div>
  <div class="field"><label for="import-text">${t('import.text')}</label>
  <textarea id="import-text" name="text" rows="6" spellcheck="false"${invalid('text')}>${text}</textarea>${message('text')}</div>
  <button type="submit">${t('import.preview')}</button>
</form>`;
  }

  function formatHelp(request: FastifyRequest): Html {
    const { t } = request;
    return html`<details class="card"><summary>${t('import.format.title')}</summary>
<p>${t('import.format.header', { max: MAX_IMPORT_LINES })}</p>
<p>${t('import.format.separators')}</p>
<p>${t('import.format.idempotent')}</p>
<p>${t('import.format.example')}</p>
<pre class="wrap">${EXAMPLE}</pre>
</details>`;
  }

  function page(request: FastifyRequest, campaign: Campaign, body: Html): string {
    const { t } = request;
    return renderPage(request, {
      title: `${t('import.title')} — ${campaign.name}`,
      body: html`<p><a href="/admin/campaigns/${campaign.id}">${t('import.back', { name: campaign.name })}</a></p>
<h1 class="wrap">${t('import.title')}</h1>
<p>${t('import.intro')}</p>
${body}`,
    });
  }

  function outcome(request: FastifyRequest, line: ImportLine, mode: SalesImport['mode']): Html {
    const { t, locale } = request;
    // French puts a space before a colon.
    const colon = locale === 'fr' ? '\u00a0: ' : ': ';
    switch (line.status) {
      case 'attributed':
        return html`<strong>${t(mode === 'import' ? 'import.status.attributed.done' : 'import.status.attributed', { amount: formatCents(line.commissionCents, locale) })}</strong>`;
      case 'no_commission': {
        const verdict = line.clickVerdict;
        const why = line.attribution === 'invalid_click'
          ? t('import.why.invalid_click', { reason: verdict && (REFUSAL_REASONS as readonly string[]).includes(verdict) ? t(`reason.${verdict}` as MessageKey) : (verdict ?? '') })
          : t(`import.why.${line.attribution ?? 'no_click'}` as MessageKey);
        return html`${t('import.status.no_commission')}${colon}${why}`;
      }
      case 'refused':
        return html`<span class="error-text">${t('import.status.refused')}${colon}${line.refusal ? t(line.refusal.messageKey, line.refusal.params) : ''}</span>`;
      case 'already':
        return html`${line.sameAsLine !== null ? t('import.status.sameAsLine', { line: line.sameAsLine }) : t('import.status.already')}`;
    }
  }

  function resultSection(request: FastifyRequest, campaign: Campaign, result: SalesImport): Html {
    const { t, locale } = request;
    const toRecord = result.counts.attributed + result.counts.no_commission;
    const rows = result.lines.map(
      (line) => html`<tr class="import-${line.status}"><td data-label="${t('import.col.line')}" class="num">${line.line}</td><td data-label="${t('import.col.order')}" class="wrap">${line.orderId}</td><td data-label="${t('import.col.amount')}" class="num">${line.amountCents === null ? line.amount : formatCents(line.amountCents, locale)}</td><td data-label="${t('import.col.click')}" class="wrap">${line.clickId === '' ? html`<span class="help">${t('import.noClick')}</span>` : html`<code>${line.clickId}</code>`}</td><td data-label="${t('import.col.outcome')}" class="wrap">${outcome(request, line, result.mode)}</td></tr>`,
    );
    const figures = IMPORT_STATUSES.map((status) => html`<div class="figure"><dt>${t(`import.summary.${status}`, { count: result.counts[status] })}</dt><dd>${result.counts[status]}</dd></div>`);
    return html`<section aria-labelledby="import-result" class="import-result">
<h2 id="import-result"${result.mode === 'import' ? html` role="status"` : ''}>${t(result.mode === 'preview' ? 'import.previewTitle' : 'import.reportTitle')}</h2>
<dl class="figures">${figures}</dl>
<p>${t('import.summary.commission', { amount: formatCents(result.commissionCents, locale) })}</p>
${result.ignoredColumns.length ? html`<p class="help">${t('import.ignoredColumns', { names: result.ignoredColumns.join(', ') })}</p>` : ''}
${result.mode === 'preview'
  ? toRecord > 0
    ? html`<form method="post" action="${importPath(campaign.id)}" enctype="multipart/form-data" class="card">
  <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
  <input type="hidden" name="mode" value="import">
  <input type="hidden" name="text" value="${result.text}">
  <p>${t('import.confirm', { count: toRecord })}</p>
  <button type="submit">${t('import.import')}</button>
</form>`
    : html`<p class="ok">${t('import.nothingToImport')}</p>`
  : ''}
<table class="list stack-rows import-lines"><thead><tr><th scope="col" class="num">${t('import.col.line')}</th><th scope="col">${t('import.col.order')}</th><th scope="col" class="num">${t('import.col.amount')}</th><th scope="col">${t('import.col.click')}</th><th scope="col">${t('import.col.outcome')}</th></tr></thead>
<tbody>${rows}</tbody></table>
</section>`;
  }

  app.get<{ Params: { id: string } }>('/admin/campaigns/:id/sales/import', async (request, reply) => {
    requireOperator(request);
    const campaign = await getCampaign(db, request.params.id);
    return send(reply, page(request, campaign, html`${formCard(request, campaign)}${formatHelp(request)}`));
  });

  void app.register(async (scope) => {
    // Multipart for this route only, an operator's alone: one file, a few fields, the pasted or sent-back text.
    await operatorMultipart(scope, { fileSize: MAX_IMPORT_BYTES + 1, fieldSize: MAX_IMPORT_BYTES + 1, files: 1, fields: 4, parts: 5 });

    scope.post<{ Params: { id: string }; Body: ImportBody }>('/admin/campaigns/:id/sales/import', { schema: { body: importBody } }, async (request, reply) => {
      requireOperator(request);
      const campaign = await getCampaign(db, request.params.id);
      const mode = request.body.mode === 'import' ? 'import' : 'preview';
      const typed = typeof request.body.text === 'string' ? request.body.text : '';
      return submitForm(request, reply, () => runSalesImport(db, sales, campaign.id, { text: request.body.text, file: request.body.file }, { mode, actor: operatorActor(request) }), {
        done: (result) => send(reply, page(request, campaign, html`${resultSection(request, campaign, result)}${result.mode === 'import' ? html`<p><a href="${importPath(campaign.id)}">${request.t('import.again')}</a></p>` : formCard(request, campaign, undefined, '')}`)),
        render: (error) => page(request, campaign, html`${formCard(request, campaign, error, typed)}${formatHelp(request)}`),
      });
    });
  });
}
