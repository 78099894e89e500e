import type { FastifyRequest } from 'fastify';
import { CSRF_FIELD } from '../../http/context.js';
import { html, type Html } from '../../http/html.js';

/** The magic-link form, used on the landing and wherever a visitor must sign in again. */
export function signInForm(request: FastifyRequest, options: { email?: string; error?: string; returnTo?: string | null } = {}): Html {
  const { t } = request;
  const errorId = 'signin-email-error';
  return html`<form method="post" action="/partner/magic" class="card signin" id="signin" novalidate>
  <h2>${t('landing.form.title')}</h2>
  <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
  ${options.returnTo ? html`<input type="hidden" name="next" value="${options.returnTo}">` : ''}
  <label for="signin-email">${t('landing.form.email')}</label>
  <input id="signin-email" name="email" type="email" inputmode="email" autocomplete="email" required maxlength="254"
    placeholder="${t('landing.form.placeholder')}" value="${options.email ?? ''}"
    aria-describedby="signin-help${options.error ? ` ${errorId}` : ''}"${options.error ? html` aria-invalid="true"` : ''}>
  ${options.error ? html`<p class="error" id="${errorId}" role="alert">${options.error}</p>` : ''}
  <p class="help" id="signin-help">${t('landing.form.help')}</p>
  <button type="submit">${t('landing.form.submit')}</button>
</form>`;
}
