/**
 * The emailed link that confirms a new payout method. Opening it (GET) only shows the change and a
 * button, so a mail scanner that follows links confirms nothing; the button's POST confirms. The
 * link works without a session, from the phone's mail app as well: the token is the proof.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { CSRF_FIELD } from '../../http/context.js';
import { tooManyRequests } from '../../http/errors.js';
import { html, HTML_TYPE } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { hitRateLimit, type RateRule } from '../../http/rate-limit.js';
import { maskedMethod } from './notifications.js';
import { confirmPayoutMethodChange, pendingChangeForToken } from './payout-method.js';

const tokenSchema = { type: 'string', maxLength: 256 } as const;

/** A stolen session must not turn the partner's mailbox into a target: 10 asks an hour. */
const CHANGE_ASKS: RateRule = { name: 'payout-method', limit: 10, windowMs: 60 * 60 * 1000 };

/** Counts one ask for a change (the page's form and the API alike); refuses beyond the limit (429). */
export async function limitPayoutMethodAsks(db: Db, config: Config, partnerId: string): Promise<void> {
  const verdict = await hitRateLimit(db, config.appSecret, CHANGE_ASKS, partnerId);
  if (!verdict.allowed) throw tooManyRequests(verdict.retryAfterSeconds);
}

export function registerPayoutMethodConfirmation(app: FastifyInstance, { db }: { db: Db }): void {
  app.get<{ Querystring: { token?: string } }>(
    '/partners/payout-method/confirm',
    { schema: { querystring: { type: 'object', properties: { token: tokenSchema, lang: { type: 'string' } } } } },
    async (request, reply) => {
      const token = request.query.token ?? '';
      const change = await pendingChangeForToken(db, token);
      if (!change) return invalidLink(request, reply);
      const { t } = request;
      const page = renderPage(request, {
        title: t('payoutMethod.confirm.title'),
        body: html`<form method="post" action="/partners/payout-method/confirm" class="card">
  <h1>${t('payoutMethod.confirm.title')}</h1>
  <p>${t('payoutMethod.confirm.body')}</p>
  <p class="payout-to-value"><strong>${maskedMethod(t, change.method, change.detailsMasked)}</strong></p>
  <input type="hidden" name="token" value="${token}">
  <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
  <button type="submit" autofocus>${t('payoutMethod.confirm.submit')}</button>
  <p class="help">${t('payoutMethod.confirm.notYou')}</p>
</form>`,
      });
      // The token is in this page: keep it out of Referer headers.
      return reply.header('referrer-policy', 'no-referrer').type(HTML_TYPE).send(page);
    },
  );

  app.post<{ Body: { token?: string } }>(
    '/partners/payout-method/confirm',
    { schema: { body: { type: 'object', properties: { token: tokenSchema, [CSRF_FIELD]: { type: 'string', maxLength: 256 } } } } },
    async (request, reply) => {
      const result = await confirmPayoutMethodChange(db, request.body.token ?? '');
      if (result.kind === 'invalid') return invalidLink(request, reply);
      // Signed in as this partner: back to the earnings page, at its message. Anyone else (the
      // link opened in a mail app with no session) gets the message on its own page.
      if (request.auth?.partnerId === result.saved.partnerId) return reply.redirect('/partners/earnings?method=confirmed#requested', 303);
      const { t } = request;
      const message = t('payoutMethod.confirmed', { method: maskedMethod(t, result.saved.method, result.saved.detailsMasked) });
      return reply.type(HTML_TYPE).send(
        renderPage(request, {
          title: t('payoutMethod.confirm.title'),
          body: html`<div class="card"><h1>${t('payoutMethod.confirm.title')}</h1><p class="ok" role="status">${message}</p><p><a href="/partners/earnings">${t('nav.earnings')}</a></p></div>`,
        }),
      );
    },
  );
}

/** Malformed, used, replaced or expired: one answer (410), and nothing changed. */
function invalidLink(request: FastifyRequest, reply: FastifyReply) {
  const { t } = request;
  const page = renderPage(request, {
    title: t('payoutMethod.invalid.title'),
    body: html`<div class="card"><h1>${t('payoutMethod.invalid.title')}</h1><p>${t('payoutMethod.invalid.body')}</p><p><a href="/partners/earnings">${t('nav.earnings')}</a></p></div>`,
  });
  return reply.code(410).header('referrer-policy', 'no-referrer').type(HTML_TYPE).send(page);
}
