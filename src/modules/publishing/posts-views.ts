/**
 * The partner's « Posts à publier » page: the brand's posts waiting for review (approve with a light
 * edit, or decline), the hand-shared ones to share and confirm, the ones to check, the failed ones,
 * and what went out with its clicks and euros. One card per publication; a refusal shows on its card.
 */
import type { FastifyRequest } from 'fastify';
import { CSRF_FIELD } from '../../http/context.js';
import { html, type Html } from '../../http/html.js';
import { formatDate } from '../../lib/dates.js';
import { formatCents } from '../../lib/money.js';
import { shareLinks } from '../campaigns/share-links.js';
import { formatInZone } from './autopilot/autopilot-views.js';
import { instantToWall } from './autopilot/schedule.js';
import { countLength, type LengthRule } from './post-text.js';
import { isAssisted, type PublicationView } from './publications.js';

export interface PostsPageData {
  hasAccounts: boolean;
  pending: Array<PublicationView & { rule: LengthRule }>;
  /** The autopilot's, until a worker claims them: the partner's veto (cancel, edit, move). */
  scheduled: Array<PublicationView & { rule: LengthRule; timeZone: string }>;
  toShare: PublicationView[];
  toCheck: PublicationView[];
  failed: PublicationView[];
  inProgress: PublicationView[];
  published: PublicationView[];
  /** The alt text of each publication's own image, for those that go out with one (post-images.ts). */
  images?: Map<string, string>;
}

export interface PostsForm {
  /** The publication a refusal is about, its message, and what the partner typed. */
  error?: { publicationId: string; field: string | null; message: string; text?: string; url?: string; at?: string };
  done?: PostsDone;
}

export const POSTS_DONE = ['approved', 'declined', 'shared', 'confirmed', 'again', 'cancelled', 'edited', 'rescheduled'] as const;
export type PostsDone = (typeof POSTS_DONE)[number];

export function postsBody(request: FastifyRequest, data: PostsPageData, form: PostsForm = {}): Html {
  const { t, locale } = request;
  const csrf = html`<input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">`;
  const errorFor = (publication: PublicationView) => (form.error?.publicationId === publication.id ? form.error : undefined);
  const refusal = (publication: PublicationView, id: string) => {
    const error = errorFor(publication);
    return error ? html`<p class="error" role="alert" id="${id}">${error.message}</p>` : '';
  };
  // The partner's own variant of the post's image, as it goes out, with its alt text.
  const picture = (publication: PublicationView) => {
    const alt = data.images?.get(publication.id);
    return alt ? html`<figure class="publication-image"><img src="/partner/posts/${publication.id}/image" alt="${alt}" loading="lazy"><figcaption>${t('posts.image')}</figcaption></figure>` : '';
  };
  const heading = (publication: PublicationView) => html`<p class="publication-meta"><strong>${t(`accounts.network.${publication.account.network}`)}</strong> · ${publication.account.label} · ${publication.campaignName}</p>${picture(publication)}`;
  const figures = (publication: PublicationView) => html`<p class="publication-figures">${t('posts.figures', { clicks: publication.clicks, valid: publication.validClicks, euros: formatCents(publication.earnedCents, locale) })}</p>`;

  const pendingCard = (publication: PublicationView & { rule: LengthRule }) => {
    const error = errorFor(publication);
    const textId = `text-${publication.id}`;
    const describedBy = `${error ? `err-${publication.id} ` : ''}help-${publication.id}`;
    return html`<article class="card publication" id="post-${publication.id}">
  ${heading(publication)}
  ${publication.stateDetail === 'breaks_account_rules' ? html`<p class="notice">${t('posts.autopilot.skipped')}</p>` : ''}
  <form method="post" action="/partner/posts/${publication.id}/approve" novalidate>
    ${csrf}
    <label for="${textId}">${t('posts.text')}</label>
    <textarea id="${textId}" name="text" rows="6" maxlength="10000" aria-describedby="${describedBy}"${error ? html` aria-invalid="true" autofocus` : ''}>${error?.text ?? publication.text}</textarea>
    ${refusal(publication, `err-${publication.id}`)}
    <p class="help" id="help-${publication.id}">${t('posts.limit', { length: countLength(error?.text ?? publication.text, publication.rule), max: publication.rule.max })} ${t('posts.keep')}</p>
    <div class="actions">
      <button type="submit">${isAssisted(publication.account.network) ? t('posts.approve.assisted') : t('posts.approve', { label: publication.account.label })}</button>
      <button type="submit" class="secondary" formaction="/partner/posts/${publication.id}/decline">${t('posts.decline')}</button>
    </div>
  </form>
</article>`;
  };

  const scheduledCard = (publication: PostsPageData['scheduled'][number]) => {
    const error = errorFor(publication);
    const textError = error && error.field !== 'at' ? error : undefined;
    const atError = error?.field === 'at' ? error : undefined;
    const text = textError?.text ?? publication.text;
    const held = publication.stateDetail?.startsWith('held:') ? publication.stateDetail.slice(5) : null;
    const when = formatInZone(publication.scheduledAt!, locale, publication.timeZone);
    // Each card's buttons say which post they act on (a list of cards reads as one list of buttons).
    const which = { label: publication.account.label, when };
    return html`<article class="card publication" id="post-${publication.id}">
  ${heading(publication)}
  <p class="publication-when"><strong>${t('posts.scheduled.when', { when })}</strong></p>
  ${held ? html`<p class="notice">${t('posts.scheduled.held')} ${HELD_CAUSES.includes(held as (typeof HELD_CAUSES)[number]) ? t(`posts.held.${held as (typeof HELD_CAUSES)[number]}`) : ''}</p>` : ''}
  <form method="post" action="/partner/posts/${publication.id}/edit" novalidate>
    ${csrf}
    <label for="text-${publication.id}">${t('posts.text')}</label>
    <textarea id="text-${publication.id}" name="text" rows="6" maxlength="10000" aria-describedby="${textError ? `err-${publication.id} ` : ''}help-${publication.id}"${textError ? html` aria-invalid="true" autofocus` : ''}>${text}</textarea>
    ${textError ? html`<p class="error" role="alert" id="err-${publication.id}">${textError.message}</p>` : ''}
    <p class="help" id="help-${publication.id}">${t('posts.limit', { length: countLength(text, publication.rule), max: publication.rule.max })} ${t('posts.keep')}</p>
    <button type="submit" aria-label="${t('posts.scheduled.save.label', which)}">${t('posts.scheduled.save')}</button>
  </form>
  <form method="post" action="/partner/posts/${publication.id}/reschedule" class="reschedule" novalidate>
    ${csrf}
    <label for="at-${publication.id}">${t('posts.scheduled.move', { zone: publication.timeZone })}</label>
    <div class="copy-row"><input id="at-${publication.id}" name="at" type="datetime-local" step="60" value="${atError?.at ?? instantToWall(publication.scheduledAt!, publication.timeZone)}"${atError ? html` aria-invalid="true" aria-describedby="at-err-${publication.id}" autofocus` : ''}><button type="submit" class="quiet" aria-label="${t('posts.scheduled.moveSubmit.label', which)}">${t('posts.scheduled.moveSubmit')}</button></div>
    ${atError ? html`<p class="error" role="alert" id="at-err-${publication.id}">${atError.message}</p>` : ''}
  </form>
  <form method="post" action="/partner/posts/${publication.id}/cancel" class="inline">${csrf}<button type="submit" class="secondary" aria-label="${t('posts.scheduled.cancel.label', which)}">${t('posts.scheduled.cancel')}</button></form>
</article>`;
  };

  const shareCard = (publication: PublicationView) => {
    const error = errorFor(publication);
    const share = shareLinks({ link: publication.link, text: publication.text, subject: publication.campaignName }).find((link) => link.network === publication.account.network);
    return html`<article class="card publication" id="post-${publication.id}">
  ${heading(publication)}
  <label for="share-${publication.id}">${t('posts.share.text')}</label>
  <div class="copy-row"><textarea id="share-${publication.id}" rows="5" readonly>${publication.text}</textarea><button type="button" class="copy" data-copy="share-${publication.id}" data-done="${t('portal.copied')}">${t('posts.share.copy')}</button></div>
  <p class="help">${share ? html`<a href="${share.href}" target="_blank" rel="noopener noreferrer">${t('posts.share.open', { network: t(`accounts.network.${publication.account.network}`) })}</a> · ` : ''}${t('posts.share.then')}</p>
  <form method="post" action="/partner/posts/${publication.id}/published" novalidate>
    ${csrf}
    <label for="url-${publication.id}">${t('posts.share.url')}</label>
    <input id="url-${publication.id}" name="url" type="url" inputmode="url" maxlength="2000" value="${error?.url ?? ''}"${error ? html` aria-invalid="true" aria-describedby="err-${publication.id}" autofocus` : ''}>
    ${refusal(publication, `err-${publication.id}`)}
    <button type="submit">${t('posts.share.confirm')}</button>
  </form>
</article>`;
  };

  const checkCard = (publication: PublicationView) => {
    const error = errorFor(publication);
    return html`<article class="card publication" id="post-${publication.id}">
  ${heading(publication)}
  <p>${t('posts.check.why', { label: publication.account.label })}</p>
  <blockquote class="publication-text">${publication.text}</blockquote>
  <form method="post" action="/partner/posts/${publication.id}/published" novalidate>
    ${csrf}
    <label for="url-${publication.id}">${t('posts.check.url')}</label>
    <input id="url-${publication.id}" name="url" type="url" inputmode="url" maxlength="2000" value="${error?.url ?? ''}"${error ? html` aria-invalid="true" aria-describedby="err-${publication.id}" autofocus` : ''}>
    ${refusal(publication, `err-${publication.id}`)}
    <div class="actions">
      <button type="submit">${t('posts.check.out')}</button>
      <button type="submit" class="secondary" formaction="/partner/posts/${publication.id}/again">${t('posts.check.again')}</button>
    </div>
  </form>
</article>`;
  };

  const failedCard = (publication: PublicationView) => html`<article class="card publication" id="post-${publication.id}">
  ${heading(publication)}
  <p>${t('posts.failed.why', { reason: failureReason(request, publication.stateDetail) })}</p>
  <blockquote class="publication-text">${publication.text}</blockquote>
  ${refusal(publication, `err-${publication.id}`)}
  ${publication.account.state === 'connected'
    ? html`<form method="post" action="/partner/posts/${publication.id}/again" class="inline">${csrf}<button type="submit">${t('posts.failed.again')}</button></form>`
    : html`<p class="help"><a href="/partner/portal#accounts">${t('posts.failed.reconnect')}</a></p>`}
</article>`;

  const row = (publication: PublicationView) => html`<li>
  ${heading(publication)}
  <p class="publication-text">${publication.text}</p>
  <p class="help">${publication.state === 'published'
    ? html`${t('posts.published.on', { date: formatDate(publication.publishedAt!, locale) })}${publication.remoteUrl ? html` · <a href="${publication.remoteUrl}" rel="noopener noreferrer" target="_blank">${t('posts.published.see')}</a>` : ''}`
    : t(`publication.state.${publication.state}`)}</p>
  ${figures(publication)}
</li>`;

  const section = (id: string, title: string, count: number, content: Html | Html[], intro?: string) =>
    count === 0 ? '' : html`<section aria-labelledby="${id}-title" class="posts-section"><h2 id="${id}-title">${title} <span class="count">(${count})</span></h2>${intro ? html`<p>${intro}</p>` : ''}${content}</section>`;

  return html`<h1>${t('posts.title')}</h1>
<p>${t('posts.intro')}</p>
${form.done ? html`<p class="ok" role="status" id="posts-done" tabindex="-1" data-arrival>${t(`posts.done.${form.done}`)}</p>` : ''}
${form.error && !allShown(data).some((publication) => publication.id === form.error!.publicationId) ? html`<p class="error" role="alert">${form.error.message}</p>` : ''}
${!data.hasAccounts ? html`<p class="notice">${t('posts.noAccounts')} <a href="/partner/portal#accounts">${t('posts.connect')}</a></p>` : data.pending.length + data.scheduled.length + data.toShare.length + data.toCheck.length + data.failed.length === 0 ? html`<p class="notice">${t('posts.nothing')}</p>` : ''}
${section('pending', t('posts.pending'), data.pending.length, data.pending.map(pendingCard))}
${section('scheduled', t('posts.scheduled'), data.scheduled.length, data.scheduled.map(scheduledCard), t('posts.scheduled.intro'))}
${section('share', t('posts.share'), data.toShare.length, data.toShare.map(shareCard), t('posts.share.intro'))}
${section('check', t('posts.check'), data.toCheck.length, data.toCheck.map(checkCard))}
${section('failed', t('posts.failed'), data.failed.length, data.failed.map(failedCard))}
${section('progress', t('posts.progress'), data.inProgress.length, html`<ul class="publications-list">${data.inProgress.map(row)}</ul>`)}
${section('published', t('posts.published'), data.published.length, html`<ul class="publications-list">${data.published.map(row)}</ul>`)}`;
}

/** Why a scheduled publication waits (holds.ts HoldReason), said on its card. */
const HELD_CAUSES = ['campaign_paused', 'partner_paused', 'partner_suspended', 'account_paused', 'account_needs_reconnect'] as const;

const allShown = (data: PostsPageData) => [...data.pending, ...data.scheduled, ...data.toShare, ...data.toCheck, ...data.failed];

const FAILURES = ['credentials_refused', 'account_removed', 'rate_limited', 'worker_stopped', 'account_unavailable', 'campaign_inactive'] as const;

/** Why a publication failed, in the partner's words; a network's own refusal is shown as it said it. */
function failureReason(request: FastifyRequest, detail: string | null): string {
  if (detail && (FAILURES as readonly string[]).includes(detail)) return request.t(`posts.failure.${detail as (typeof FAILURES)[number]}`);
  return detail ? request.t('posts.failure.network', { detail }) : request.t('posts.failure.unknown');
}
