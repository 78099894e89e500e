/**
 * What an operator cannot undo (ending a campaign, suspending a partner, marking a payout file
 * paid) is asked twice: the first POST changes nothing and answers a page saying exactly what will
 * happen, whose button posts the same form again with `confirm=1`. No JavaScript is needed.
 */
import type { FastifyRequest } from 'fastify';
import { CSRF_FIELD } from '../../http/context.js';
import { html, type Html } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';

export const CONFIRM_FIELD = 'confirm';

/** The body schema's entry for the confirmation field. */
export const confirmProperty = { [CONFIRM_FIELD]: { type: 'string', maxLength: 1 } } as const;

export function isConfirmed(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>)[CONFIRM_FIELD] === '1';
}

export interface Confirmation {
  title: string;
  /** What will happen, one sentence a line. */
  effects: Array<string | Html>;
  /** Where the confirmed form posts, and the values it posts again. */
  action: string;
  fields: Record<string, string>;
  confirmLabel: string;
  /** Where « cancel » goes back to. */
  back: string;
}

export function confirmationPage(request: FastifyRequest, confirmation: Confirmation): string {
  const { t } = request;
  return renderPage(request, {
    title: confirmation.title,
    body: html`<h1 class="wrap">${confirmation.title}</h1>
<section class="card confirm" aria-labelledby="confirm-effects">
  <h2 id="confirm-effects" class="sr-only">${t('confirm.title')}</h2>
  <ul>${confirmation.effects.map((effect) => html`<li>${effect}</li>`)}</ul>
  <p class="help">${t('confirm.nothingYet')}</p>
  <form method="post" action="${confirmation.action}" class="confirm-buttons">
    <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
    ${Object.entries(confirmation.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
    <input type="hidden" name="${CONFIRM_FIELD}" value="1">
    <button type="submit" class="danger">${confirmation.confirmLabel}</button>
    <a href="${confirmation.back}">${t('confirm.cancel')}</a>
  </form>
</section>`,
  });
}
