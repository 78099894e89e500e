/**
 * The operators' withdrawals: a list filtered by state with each partner's click verdicts for a
 * fraud look, approve / reject (reason required) / pay (reference required), the detail view with
 * the full payout details, and the SEPA and PayPal payout files.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { WITHDRAWAL_STATUSES, type WithdrawalStatus } from '../../db/schema.js';
import { CSRF_FIELD } from '../../http/context.js';
import { submitForm, type FormError } from '../../http/forms.js';
import { operatorActor, requireOperator } from '../../http/guards.js';
import { html, HTML_TYPE, type Html } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { formatCents } from '../../lib/money.js';
import { partnerBalances, suspiciousClicks } from '../earnings/balance.js';
import type { Mailer } from '../mail/mailer.js';
import { decideWithdrawal, payPayoutFile } from './decisions.js';
import { confirmProperty, isConfirmed } from '../admin/confirmation.js';
import { payoutFilePayConfirmation } from './payout-file-confirm.js';
import { decryptDetails } from './payout-details.js';
import { cancelPayoutFile, createPayoutFile, listPayoutFiles, MESSAGE_ID, payoutFileBody, payoutFileCandidates } from './payout-files.js';
import { allowedActions, RESERVING_STATUSES, WITHDRAWAL_ACTIONS, type WithdrawalAction } from './withdrawal-states.js';
import { getWithdrawal, listWithdrawals, parseStatusFilter } from './withdrawals.js';
import { withdrawalCountsByStatus } from './withdrawal-counts.js';
import { formatDate } from '../../lib/dates.js';
import { NotFoundError } from '../../lib/errors.js';

const actionBody = {
  type: 'object',
  properties: { reason: { type: 'string', maxLength: 2000 }, reference: { type: 'string', maxLength: 1000 }, ...confirmProperty, [CSRF_FIELD]: { type: 'string' } },
} as const;


export function registerAdminWithdrawals(app: FastifyInstance, { config, db, mailer }: { config: Config; db: Db; mailer: Mailer }): void {
  const send = (reply: FastifyReply, page: string, code = 200) => reply.code(code).type(HTML_TYPE).send(page);
  const hidden = (request: FastifyRequest): Html => html`<input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">`;

  async function listPage(request: FastifyRequest, status: WithdrawalStatus | null, message?: { ok?: string; error?: string; file?: string }): Promise<string> {
    const { t, locale } = request;
    const rows = await listWithdrawals(db, status);
    const verdicts = await partnerBalances(db, [...new Set(rows.map((r) => r.partnerId))], { fallbackEpcCents: config.defaultRateCents, clickHoldingDays: config.clickHoldingDays });
    // The tabs say how many requests each state holds (one GROUP BY), the current one marked for all.
    const counts = await withdrawalCountsByStatus(db);
    const tabs = [null, ...WITHDRAWAL_STATUSES].map((s) => {
      const count = s ? counts[s].count : WITHDRAWAL_STATUSES.reduce((sum, one) => sum + counts[one].count, 0);
      const label = t(`withdrawals.tab.${s ?? 'all'}`, { count });
      const href = `/admin/withdrawals${s ? `?status=${s}` : '?status=all'}`;
      return html`<li><a href="${href}"${s === status ? html` aria-current="page"` : ''}>${label}</a></li>`;
    });
    const body = rows.map((w) => {
      const b = verdicts.get(w.partnerId)!;
      const refused = suspiciousClicks(b);
      // The buttons are the state machine's allowed actions (withdrawal-states.ts), in its order.
      const forms: Record<WithdrawalAction, Html> = {
        approve: html`<form method="post" action="/admin/withdrawals/${w.id}/approve" class="inline">${hidden(request)}<button type="submit">${t('withdraw.approve')}</button></form>`,
        pay: html`<form method="post" action="/admin/withdrawals/${w.id}/pay" class="stack">${hidden(request)}<label for="ref-${w.id}">${t('withdraw.reference')}</label><input id="ref-${w.id}" name="reference" type="text" required maxlength="140"><button type="submit">${t('withdraw.pay')}</button></form>`,
        reject: html`<form method="post" action="/admin/withdrawals/${w.id}/reject" class="stack">${hidden(request)}<label for="why-${w.id}">${t('withdraw.reason')}</label><input id="why-${w.id}" name="reason" type="text" required maxlength="500"><button type="submit" class="secondary">${t('withdraw.reject')}</button></form>`,
      };
      const actions: Html[] = allowedActions(w).map((action) => forms[action]);
      if (w.payoutFile && RESERVING_STATUSES.includes(w.status)) actions.push(html`<small>${t('withdraw.inFileShort', { file: w.payoutFile })}</small>`);
      return html`<tr>
  <td data-label="${t('withdraw.date')}"><a href="/admin/withdrawals/${w.id}"><time datetime="${w.createdAt.toISOString()}">${formatDate(w.createdAt, locale, { time: true })}</time></a></td>
  <td data-label="${t('leaderboard.partner')}" class="wrap">${w.partnerEmail}</td>
  <td data-label="${t('withdraw.amountShort')}" class="num">${formatCents(w.amountCents, locale)}</td>
  <td data-label="${t('withdraw.method')}" class="wrap">${t(`method.${w.method}`)}<br><small>${w.detailsMasked}</small></td>
  <td data-label="${t('campaign.status')}" class="wrap">${t(`withdraw.status.${w.status}`)}${w.reason ? html`<br><small>${w.reason}</small>` : ''}${w.reference ? html`<br><small>${w.reference}</small>` : ''}</td>
  <td data-label="${t('withdraw.clicks')}"><small>${t('withdraw.fraudLook', { valid: b.validClicks90d, refused, available: formatCents(b.availableCents, locale) })}</small></td>
  <td data-label="${t('withdraw.actions')}" class="actions">${actions}</td>
</tr>`;
    });
    const files = await listPayoutFiles(db);
    const exportForms = (await payoutFileCandidates(db, config)).map(({ method: m, count, totalCents }) => {
      const label = m === 'bank' ? t('payout.sepa') : t('payout.paypal');
      return count === 0
        ? html`<li>${t('payout.none', { kind: label })}</li>`
        : html`<li><form method="post" action="/admin/payout-files" class="inline">${hidden(request)}<input type="hidden" name="method" value="${m}"><button type="submit">${t('payout.create', { kind: label })}</button></form> — ${t('payout.summary', { count, total: formatCents(totalCents, locale) })}</li>`;
    });
    const fileRows = files.map((f) => {
      const state = f.paidAt
        ? html`${t('payout.paidOn', { date: formatDate(f.paidAt, locale) })}`
        : f.cancelledAt
          ? html`${t('payout.cancelled')}`
          : html`<form method="post" action="/admin/payout-files/${f.messageId}/pay" class="inline">${hidden(request)}<button type="submit">${t('payout.markPaid')}</button></form> <form method="post" action="/admin/payout-files/${f.messageId}/cancel" class="inline">${hidden(request)}<button type="submit" class="secondary">${t('payout.cancel')}</button></form>`;
      return html`<tr><td data-label="${t('payout.messageId')}" class="wrap"><a href="/admin/payout-files/${f.messageId}/download" download>${f.messageId}</a></td><td data-label="${t('withdraw.method')}">${t(`method.${f.method}`)}</td><td data-label="${t('payout.count')}" class="num">${f.requestIds.length}</td><td data-label="${t('payout.total')}" class="num">${formatCents(f.totalCents, locale)}</td><td data-label="${t('campaign.status')}" class="actions">${state}</td></tr>`;
    });
    return renderPage(request, {
      title: t('admin.withdrawals'),
      mainClass: 'wide',
      body: html`<h1>${t('admin.withdrawals')}</h1>
${message?.ok ? html`<p class="ok" role="status">${message.ok}</p>` : ''}
${message?.file ? html`<p class="ok" role="status">${t('payout.created')} <a href="/admin/payout-files/${message.file}/download" download>${message.file}</a></p>` : ''}
${message?.error ? html`<p class="error" role="alert">${message.error}</p>` : ''}
<nav class="status-tabs" aria-label="${t('withdrawals.tabs')}"><ul>${tabs}</ul></nav>
${body.length ? html`<table class="list stack-rows"><thead><tr><th scope="col">${t('withdraw.date')}</th><th scope="col">${t('leaderboard.partner')}</th><th scope="col" class="num">${t('withdraw.amountShort')}</th><th scope="col">${t('withdraw.method')}</th><th scope="col">${t('campaign.status')}</th><th scope="col">${t('withdraw.clicks')}</th><th scope="col">${t('withdraw.actions')}</th></tr></thead><tbody>${body}</tbody></table>` : html`<p>${t('withdraw.none')}</p>`}
<section class="card"><h2>${t('payout.files')}</h2>
<ul class="exports">${exportForms}</ul>
${fileRows.length ? html`<table class="list stack-rows"><thead><tr><th scope="col">${t('payout.messageId')}</th><th scope="col">${t('withdraw.method')}</th><th scope="col" class="num">${t('payout.count')}</th><th scope="col" class="num">${t('payout.total')}</th><th scope="col">${t('campaign.status')}</th></tr></thead><tbody>${fileRows}</tbody></table>` : ''}
<p class="help">${t('payout.help')}</p></section>`,
    });
  }

  app.get<{ Querystring: { status?: string; done?: string; id?: string; file?: string } }>('/admin/withdrawals', { schema: { querystring: { type: 'object', properties: { status: { type: 'string', maxLength: 20 }, done: { type: 'string', maxLength: 20 }, id: { type: 'string', maxLength: 40 }, file: { type: 'string', maxLength: 40 }, lang: { type: 'string' } } } } }, async (request, reply) => {
    requireOperator(request);
    const status = parseStatusFilter(request.query.status ?? 'requested');
    const ok = await doneMessage(request, request.query);
    const file = request.query.file && MESSAGE_ID.test(request.query.file) ? request.query.file : undefined;
    return send(reply, await listPage(request, status, { ok, file }));
  });

  app.get<{ Params: { id: string } }>('/admin/withdrawals/:id', async (request, reply) => {
    requireOperator(request);
    const { t, locale } = request;
    const w = await getWithdrawal(db, request.params.id);
    const details = decryptDetails(w.detailsEncrypted, config.payoutDetailsKey);
    const full = details.method === 'paypal' ? details.email : `${details.iban.replace(/(.{4})/g, '$1 ').trim()} — ${details.holder}`;
    return send(reply, renderPage(request, {
      title: t('admin.withdrawal'),
      body: html`<p><a href="/admin/withdrawals?status=all">← ${t('admin.withdrawals')}</a></p>
<h1>${t('admin.withdrawal')}</h1>
<dl class="details">
  <dt>${t('leaderboard.partner')}</dt><dd><a href="/admin/partners/${w.partnerId}">${w.partnerEmail}</a></dd>
  <dt>${t('withdraw.amountShort')}</dt><dd>${formatCents(w.amountCents, locale)}</dd>
  <dt>${t('withdraw.method')}</dt><dd>${t(`method.${w.method}`)}</dd>
  <dt>${t('withdraw.details')}</dt><dd class="secret">${full}</dd>
  <dt>${t('campaign.status')}</dt><dd>${t(`withdraw.status.${w.status}`)}</dd>
  <dt>${t('withdraw.date')}</dt><dd><time datetime="${w.createdAt.toISOString()}">${formatDate(w.createdAt, locale, { time: true })}</time></dd>
  ${w.reason ? html`<dt>${t('withdraw.reason')}</dt><dd>${w.reason}</dd>` : ''}
  ${w.reference ? html`<dt>${t('withdraw.reference')}</dt><dd>${w.reference}</dd>` : ''}
  ${w.decidedBy ? html`<dt>${t('audit.who')}</dt><dd>${w.decidedBy}</dd>` : ''}
</dl>`,
    }));
  });

  /** What the operator just did, said in full (« Demande de 12,50 € approuvée. »), from the redirect's query. */
  async function doneMessage(request: FastifyRequest, query: { done?: string; id?: string; file?: string }): Promise<string | undefined> {
    const { t, locale } = request;
    const file = query.file && MESSAGE_ID.test(query.file) ? query.file : null;
    if (query.done === 'file-pay' && file) return t('payout.done.pay', { file });
    if (query.done === 'file-cancel' && file) return t('payout.done.cancel', { file });
    if (!(WITHDRAWAL_ACTIONS as readonly string[]).includes(query.done ?? '') || !query.id) return undefined;
    // A request that is not there (a hand-edited link) says nothing; a failing database is an error.
    const withdrawal = await getWithdrawal(db, query.id).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    if (!withdrawal) return undefined;
    return t(`withdraw.done.${query.done as WithdrawalAction}`, { amount: formatCents(withdrawal.amountCents, locale), email: withdrawal.partnerEmail });
  }

  const services = (request: FastifyRequest) => ({ db, config, mailer, log: request.log });
  // A refused decision shows above the list, at the refusal's own status.
  const listWithError = (request: FastifyRequest, status: WithdrawalStatus | null) => (error: FormError) => listPage(request, status, { error: error.message });

  for (const action of WITHDRAWAL_ACTIONS) {
    app.post<{ Params: { id: string }; Body: { reason?: string; reference?: string } }>(`/admin/withdrawals/:id/${action}`, { schema: { body: actionBody } }, async (request, reply) => {
      const actor = operatorActor(request);
      return submitForm(request, reply, () => decideWithdrawal(services(request), request.params.id, action, actor, request.body), {
        done: (result) => reply.redirect(`/admin/withdrawals?status=${result.before.status}&done=${action}&id=${result.after.id}`, 303),
        render: listWithError(request, null),
      });
    });
  }

  app.post<{ Body: { method?: string } }>('/admin/payout-files', { schema: { body: { type: 'object', properties: { method: { type: 'string', maxLength: 10 }, [CSRF_FIELD]: { type: 'string' } } } } }, async (request, reply) => {
    const actor = operatorActor(request);
    return submitForm(request, reply, () => createPayoutFile(db, config, request.body.method, actor), {
      done: (file) => reply.redirect(`/admin/withdrawals?status=approved&file=${file.messageId}`, 303),
      render: listWithError(request, 'approved'),
    });
  });

  app.get<{ Params: { messageId: string } }>('/admin/payout-files/:messageId/download', async (request, reply) => {
    requireOperator(request);
    const file = await payoutFileBody(db, config, request.params.messageId);
    return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).header('cache-control', 'no-store').send(file.body);
  });

  for (const action of ['pay', 'cancel'] as const) {
    app.post<{ Params: { messageId: string } }>(`/admin/payout-files/:messageId/${action}`, { schema: { body: actionBody } }, async (request, reply) => {
      const actor = operatorActor(request);
      const { messageId } = request.params;
      // Marking a file paid cannot be undone: the first POST shows what will happen (confirmation.ts).
      if (action === 'pay' && !isConfirmed(request.body)) {
        const page = await payoutFilePayConfirmation(request, db, messageId);
        if (page) return send(reply, page);
      }
      return submitForm(request, reply, async () => (action === 'pay' ? void (await payPayoutFile(services(request), messageId, actor)) : cancelPayoutFile(db, messageId, actor)), {
        done: () => reply.redirect(`/admin/withdrawals?status=${action === 'pay' ? 'paid' : 'approved'}&done=file-${action}&file=${messageId}`, 303),
        render: listWithError(request, null),
      });
    });
  }
}
