/**
 * The operators' audit log page: each entry said in the page's language (its action's label, its
 * details from the stored parameters, amounts in euros), linked to what changed, filtered by kind
 * of action and by partner, 50 to a page.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { requireOperator } from '../../http/guards.js';
import { html, type Html } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { fr } from '../../i18n/fr.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import { formatDate } from '../../lib/dates.js';
import { formatCents, formatSignedCents } from '../../lib/money.js';
import { formatBpPercent } from '../campaigns/campaign-pay.js';
import { AUDIT_KIND_NAMES, type AuditKind, type AuditRecord } from '../audit/audit-log.js';
import { readAuditLog, type AuditView } from '../audit/audit-view.js';
import { sendPage as send, statusLabel } from './admin-common.js';

/** The query, each field on its own: a bad one is dropped and said so, the others still apply. */
const auditQuery = {
  kind: z.enum(AUDIT_KIND_NAMES as [AuditKind, ...AuditKind[]]),
  partner: z.string().trim().min(1).max(200),
  page: z.coerce.number().int().min(1).max(1_000_000),
};

interface ParsedQuery {
  kind: AuditKind | null;
  partner: string | null;
  page: number;
  errors: { kind?: boolean; page?: boolean };
}

function parseQuery(query: Record<string, string | undefined>): ParsedQuery {
  const given = (value: string | undefined) => value !== undefined && value.trim() !== '';
  const kind = auditQuery.kind.safeParse(query.kind);
  const partner = auditQuery.partner.safeParse(query.partner);
  const page = auditQuery.page.safeParse(query.page);
  return {
    kind: kind.success ? kind.data : null,
    partner: partner.success ? partner.data : null,
    page: page.success ? page.data : 1,
    errors: { kind: given(query.kind) && !kind.success, page: given(query.page) && !page.success },
  };
}

export function registerAuditPages(app: FastifyInstance, { db }: { db: Db }): void {
  const text = { type: 'string', maxLength: 200 } as const;
  app.get<{ Querystring: Record<string, string | undefined> }>('/admin/audit', {
    schema: { querystring: { type: 'object', properties: { kind: text, partner: text, page: text, lang: text } } },
  }, async (request, reply) => {
    requireOperator(request);
    const query = parseQuery(request.query);
    const view = await readAuditLog(db, { kind: query.kind, partner: query.partner }, query.page);
    return send(reply, renderPage(request, { title: request.t('admin.audit'), mainClass: 'wide', body: auditBody(request, query, view) }));
  });
}

function auditBody(request: FastifyRequest, query: ParsedQuery, view: AuditView): Html {
  const { t } = request;
  const filterLink = (page: number) => {
    const params = new URLSearchParams();
    if (query.kind) params.set('kind', query.kind);
    if (view.partner) params.set('partner', view.partner.email);
    if (page > 1) params.set('page', String(page));
    const search = params.toString();
    return `/admin/audit${search ? `?${search}` : ''}`;
  };
  const fieldError = (id: string, message: string | null) => (message ? html`<p class="error" id="${id}-error" role="alert">${message}</p>` : '');
  const kindError = query.errors.kind ? t('audit.error.kind') : null;
  const partnerError = view.partnerUnknown ? t('audit.error.partner', { partner: query.partner ?? '' }) : null;
  const described = (id: string, message: string | null) => (message ? html` aria-invalid="true" aria-describedby="${id}-error"` : '');
  const rows = view.entries.map((entry) => entryRow(request, view, entry));
  const pager = view.pageCount > 1
    ? html`<nav class="pager" aria-label="${t('audit.pages')}">
  ${view.page > 1 ? html`<a href="${filterLink(view.page - 1)}" rel="prev">${t('audit.newer')}</a>` : html`<span></span>`}
  <span>${t('audit.page', { page: view.page, pages: view.pageCount })}</span>
  ${view.page < view.pageCount ? html`<a href="${filterLink(view.page + 1)}" rel="next">${t('audit.older')}</a>` : html`<span></span>`}
</nav>`
    : '';
  return html`<h1>${t('admin.audit')}</h1>
<form method="get" action="/admin/audit" class="card filters" role="search" aria-label="${t('audit.filters')}">
  <div class="field"><label for="audit-kind">${t('audit.filter.kind')}</label>
  <select id="audit-kind" name="kind"${described('audit-kind', kindError)}>
    <option value="">${t('audit.filter.kind.all')}</option>
    ${AUDIT_KIND_NAMES.map((kind) => html`<option value="${kind}"${kind === query.kind ? html` selected` : ''}>${t(`audit.kind.${kind}`)}</option>`)}
  </select>${fieldError('audit-kind', kindError)}</div>
  <div class="field"><label for="audit-partner">${t('audit.filter.partner')}</label>
  <input id="audit-partner" name="partner" type="search" maxlength="200" value="${view.partner?.email ?? query.partner ?? ''}"${described('audit-partner', partnerError)}>${fieldError('audit-partner', partnerError)}</div>
  <div class="filter-buttons"><button type="submit">${t('audit.filter.apply')}</button>${query.kind || query.partner ? html` <a href="/admin/audit">${t('audit.filter.clear')}</a>` : ''}</div>
</form>
${query.errors.page ? html`<p class="error" role="alert">${t('audit.error.page')}</p>` : ''}
<p>${view.partner ? html`<strong>${t('audit.forPartner', { email: view.partner.email })}</strong> · ` : ''}${t('audit.count', { total: view.total })}${view.pageCount > 1 ? html` · ${t('audit.page', { page: view.page, pages: view.pageCount })}` : ''}</p>
${rows.length
  ? html`<table class="list stack-rows audit"><thead><tr><th scope="col">${t('audit.when')}</th><th scope="col">${t('audit.who')}</th><th scope="col">${t('audit.action')}</th><th scope="col">${t('audit.subject')}</th></tr></thead><tbody>${rows}</tbody></table>`
  : html`<p>${t('audit.none')}</p>`}
${pager}`;
}

function entryRow(request: FastifyRequest, view: AuditView, entry: AuditRecord): Html {
  const { t, locale } = request;
  const actor = entry.actorId
    ? html`<a href="/admin/partners/${entry.actorId}">${entry.actorLabel}</a>`
    : html`${actorName(t, entry.actorLabel)}`;
  const details = entryDetails(request, entry);
  return html`<tr>
  <td data-label="${t('audit.when')}"><time datetime="${entry.at.toISOString()}">${formatDate(entry.at, locale, { time: true })}</time></td>
  <td data-label="${t('audit.who')}" class="wrap">${actor}</td>
  <td data-label="${t('audit.action')}"><strong>${actionLabel(t, entry)}</strong>${details.length ? html`<br><small>${details.map((line, i) => html`${i ? html` · ` : ''}${line}`)}</small>` : ''}</td>
  <td data-label="${t('audit.subject')}" class="wrap">${subjectLinks(request, view, entry)}</td>
</tr>`;
}

/** The label of the entry's action; an action this version does not know shows its code. */
export function actionLabel(t: Translate, entry: Pick<AuditRecord, 'action' | 'toState'>): string {
  const withState = ['role_changed', 'partner_status', 'campaign_status'];
  const key = withState.includes(entry.action) ? `audit.action.${entry.action}.${entry.toState ?? ''}` : `audit.action.${entry.action}`;
  return isMessageKey(key) ? t(key) : entry.action;
}

function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(fr, key);
}

function actorName(t: Translate, label: string): string {
  if (label === 'system') return t('audit.actor.system');
  if (label === 'system (demo)') return t('audit.actor.demo');
  if (label === 'system (ADMIN_EMAILS)') return t('audit.actor.adminEmails');
  if (label === 'api-token') return t('audit.actor.apiToken');
  if (label.startsWith('cli ')) return `${t('audit.actor.cli')} ${label.slice(4)}`;
  return label;
}

/** The entry's details in the page's language; an entry written before params shows its stored text. */
function entryDetails(request: FastifyRequest, entry: AuditRecord): Array<string | Html> {
  const { t, locale } = request;
  const p = entry.params;
  if (!p) return entry.detail ? [entry.detail] : [];
  const money = (value: unknown) => (typeof value === 'number' ? formatCents(value, locale) : null);
  const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  const lines: Array<string | null> = [];
  switch (entry.action) {
    case 'sign_in_refused':
      // Its label says why (a suspended account).
      break;
    case 'pseudonym_cleared':
      lines.push(t('audit.detail.pseudonym', { pseudonym: str(p.pseudonym) ?? entry.fromState ?? '' }));
      break;
    case 'partner_status':
      lines.push(str(p.reason) ? t('audit.detail.reason', { reason: str(p.reason)! }) : null);
      break;
    case 'demo_data_loaded':
      lines.push(t('audit.detail.demo', { campaigns: Number(p.campaigns ?? 0), partners: Number(p.partners ?? 0), clicks: Number(p.clicks ?? 0) }));
      break;
    case 'campaign_created':
      lines.push(t('audit.detail.campaignCreated', { name: str(p.name) ?? '', rate: money(p.rateCents) ?? '' }));
      break;
    case 'campaign_updated': {
      const fields = Array.isArray(p.fields) ? p.fields.map((field) => (isMessageKey(`audit.field.${field}`) ? t(`audit.field.${field}` as MessageKey) : field)) : [];
      if (fields.length) lines.push(t('audit.detail.fields', { fields: fields.join(', ') }));
      if (typeof p.rateFromCents === 'number') lines.push(t('audit.detail.rate', { from: money(p.rateFromCents)!, to: money(p.rateToCents) ?? '' }));
      lines.push(...saleTermChanges(request, p));
      break;
    }
    case 'adjustment_added':
      lines.push(typeof p.amountCents === 'number' ? formatSignedCents(p.amountCents, locale) : null, str(p.reason) ? t('audit.detail.reason', { reason: str(p.reason)! }) : null);
      break;
    case 'campaign_status':
      lines.push(entry.fromState ? `${statusLabel(t, entry.fromState)} → ${statusLabel(t, entry.toState ?? '')}` : null);
      break;
    case 'withdrawal_requested':
    case 'payout_method_change_requested':
    case 'payout_method_confirmed':
      lines.push(money(p.amountCents), str(p.method) === 'bank' || str(p.method) === 'paypal' ? t(`method.${p.method as 'bank' | 'paypal'}`) : null, str(p.details), p.savedMethod === true ? t('audit.detail.savedMethod') : null);
      break;
    case 'withdrawal_approved':
    case 'withdrawal_rejected':
    case 'withdrawal_paid':
      lines.push(money(p.amountCents), str(p.reason) ? t('audit.detail.reason', { reason: str(p.reason)! }) : null, str(p.reference) ? t('audit.detail.reference', { reference: str(p.reference)! }) : null);
      break;
    case 'payout_file_created':
    case 'payout_file_paid':
    case 'payout_file_cancelled':
      lines.push(str(p.method) === 'bank' || str(p.method) === 'paypal' ? t(`method.${p.method as 'bank' | 'paypal'}`) : null);
      if (typeof p.count === 'number') lines.push(t('audit.detail.requests', { count: p.count, total: money(p.totalCents) ?? '' }));
      break;
    case 'template_created':
    case 'template_texts_added':
      lines.push(t('audit.detail.templateTexts', { texts: Number(p.texts ?? 0), locale: str(p.locale) === 'en' ? 'English' : 'Français', network: str(p.network) && isMessageKey(`accounts.network.${p.network}`) ? ` · ${t(`accounts.network.${p.network}` as MessageKey)}` : '' }));
      break;
    case 'template_withdrawn':
      lines.push(t('audit.detail.templateWithdrawn', { publications: Number(p.publications ?? 0) }));
      break;
    case 'template_image_set':
      lines.push(t('audit.detail.templateImage', { width: Number(p.width ?? 0), height: Number(p.height ?? 0), replaced: p.replaced === true ? t('audit.detail.templateImage.replaced') : '' }));
      break;
    case 'campaign_publishing_paused':
    case 'campaign_publishing_resumed':
    case 'partner_publishing_paused':
    case 'partner_publishing_resumed':
      lines.push(t('audit.detail.publishing', { waiting: Number(p.waiting ?? 0), held: Number(p.held ?? 0) }));
      break;
    case 'account_connected':
    case 'account_reconnected':
    case 'account_removed':
      lines.push(str(p.network) ? t('audit.detail.account', { network: str(p.network)!, label: str(p.label) ?? '' }) : null);
      break;
    default:
      lines.push(entry.detail);
  }
  return lines.filter((line): line is string => line !== null && line !== '');
}

/** A campaign's sales terms that changed, each « term : from → to » (campaigns.ts writes them). */
function saleTermChanges(request: FastifyRequest, p: NonNullable<AuditRecord['params']>): string[] {
  const { t, locale } = request;
  const shown: Record<string, (value: number | string) => string> = {
    commissionBp: (value) => `${formatBpPercent(Number(value), locale)} %`,
    commissionFixedCents: (value) => formatCents(Number(value), locale),
    attributionDays: (value) => t('rev.audit.days', { days: Number(value) }),
    holdingDays: (value) => t('rev.audit.days', { days: Number(value) }),
    clickParam: (value) => String(value),
  };
  return Object.entries(shown).flatMap(([term, show]) => {
    const from = p[`${term}From`];
    const to = p[`${term}To`];
    if ((typeof from !== 'number' && typeof from !== 'string') || (typeof to !== 'number' && typeof to !== 'string')) return [];
    return [t('rev.audit.term', { term: t(`audit.field.${term}` as MessageKey), from: show(from), to: show(to) })];
  });
}

/** Links to what changed: the campaign, the partner, the withdrawal (and its partner), the payout file. */
function subjectLinks(request: FastifyRequest, view: AuditView, entry: AuditRecord): Html | string {
  const { t, locale } = request;
  const subject = entry.subject ?? '';
  const colon = subject.indexOf(':');
  const type = colon > 0 ? subject.slice(0, colon) : '';
  const id = subject.slice(colon + 1);
  const partnerLink = (partnerId: string) => html`<a href="/admin/partners/${partnerId}">${view.partnerEmails.get(partnerId) ?? partnerId.slice(0, 8)}</a>`;
  switch (type) {
    case 'campaign': {
      const name = view.campaignNames.get(id) ?? (typeof entry.params?.name === 'string' ? entry.params.name : t('audit.subject.campaign'));
      return html`<a href="/admin/campaigns/${id}">${name}</a>`;
    }
    case 'partner':
      return partnerLink(id);
    case 'withdrawal': {
      const amount = entry.params && typeof entry.params.amountCents === 'number' ? formatCents(entry.params.amountCents, locale) : null;
      return html`<a href="/admin/withdrawals/${id}">${amount ? t('audit.subject.withdrawal', { amount }) : t('audit.subject.withdrawalUnknown')}</a>${entry.partnerId ? html`<br><small>${partnerLink(entry.partnerId)}</small>` : ''}`;
    }
    case 'payout_file':
      return html`<a href="/admin/payout-files/${id}/download" download>${t('audit.subject.file', { file: id })}</a>`;
    default:
      return subject;
  }
}
