/**
 * Sign-in by magic link: ask (POST /partner/magic), confirm (GET /partner/login shows a button, so
 * a mail scanner opening the link consumes nothing), sign in (POST /partner/login), sign out.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { CSRF_FIELD, cookieNames, cookieOptions } from '../../http/context.js';
import { tooManyRequests } from '../../http/errors.js';
import { html, HTML_TYPE } from '../../http/html.js';
import { renderPage } from '../../http/layout.js';
import { hitRateLimit, type RateRule } from '../../http/rate-limit.js';
import { normaliseEmail } from '../../lib/email.js';
import type { Mailer } from '../mail/mailer.js';
import { landingPage } from '../pages/public-pages.js';
import { safeReturnPath } from '../../http/return-path.js';
import { signInForm } from '../pages/sign-in-form.js';
import { isLoginTokenUsable, issueLoginToken, signInWithToken, TOKEN_FORMAT } from './magic-links.js';
import { deleteSessionByHash } from './sessions.js';
import { signInMail } from './sign-in-mail.js';
import { DomainError } from '../../lib/errors.js';

const PER_EMAIL: RateRule = { name: 'magic-email', limit: 5, windowMs: 15 * 60 * 1000 };
const PER_ADDRESS: RateRule = { name: 'magic-ip', limit: 20, windowMs: 15 * 60 * 1000 };

const formBody = {
  type: 'object',
  properties: {
    email: { type: 'string', maxLength: 2048 },
    token: { type: 'string', maxLength: 256 },
    next: { type: 'string', maxLength: 512 },
    [CSRF_FIELD]: { type: 'string', maxLength: 256 },
  },
} as const;
const loginQuery = { type: 'object', properties: { token: { type: 'string', maxLength: 256 }, next: { type: 'string', maxLength: 512 }, lang: { type: 'string' } } } as const;

export interface AuthDeps {
  config: Config;
  db: Db;
  mailer: Mailer;
}

export function registerAuthRoutes(app: FastifyInstance, { config, db, mailer }: AuthDeps): void {
  const names = cookieNames(config);

  app.post<{ Body: { email?: string; next?: string } }>('/partner/magic', { schema: { body: formBody } }, async (request, reply) => {
    const { t } = request;
    const typed = request.body.email ?? '';
    const returnTo = safeReturnPath(request.body.next);
    const address = await hitRateLimit(db, config.appSecret, PER_ADDRESS, request.ip);
    if (!address.allowed) throw tooManyRequests(address.retryAfterSeconds);

    const email = normaliseEmail(typed);
    if (!email) {
      const shown = typed.length > 254 ? '' : typed;
      return reply.code(400).type(HTML_TYPE).send(await landingPage(request, { config, db }, { email: shown, error: t('magic.error.email'), returnTo }));
    }
    const perEmail = await hitRateLimit(db, config.appSecret, PER_EMAIL, email);
    if (!perEmail.allowed) throw tooManyRequests(perEmail.retryAfterSeconds);

    const { token } = await issueLoginToken(db, email);
    // Built from BASE_URL only: a forged Host header must never end up in a sign-in link.
    const link = new URL('/partner/login', config.baseUrl);
    link.searchParams.set('token', token);
    if (returnTo) link.searchParams.set('next', returnTo);
    try {
      await mailer.send(signInMail(email, link.href, request.locale));
    } catch (error) {
      request.log.error({ err: error }, 'sign-in email could not be sent');
      throw new DomainError('mail_failed', 503, 'magic.error.send', {}, null, 'error.500.title');
    }
    if (mailer.destination !== 'smtp') {
      request.log.info({ signInLink: link.href, outbox: mailer.destination }, 'no SMTP_URL: sign-in link written to the outbox');
    }
    const page = renderPage(request, {
      title: t('magic.sent.title'),
      body: html`<div class="card"><h1>${t('magic.sent.title')}</h1>
<p role="status">${t('magic.sent.body', { email })}</p>
<p>${t('magic.sent.again')}</p></div>
${signInForm(request, { email, returnTo })}`,
    });
    return reply.type(HTML_TYPE).send(page);
  });

  app.get<{ Querystring: { token?: string; next?: string } }>('/partner/login', { schema: { querystring: loginQuery } }, async (request, reply) => {
    const returnTo = safeReturnPath(request.query.next);
    const token = request.query.token ?? '';
    if (!TOKEN_FORMAT.test(token)) return reply.code(400).type(HTML_TYPE).send(invalidLinkPage(request, 'malformed'));
    if (!(await isLoginTokenUsable(db, token))) return reply.code(410).type(HTML_TYPE).send(invalidLinkPage(request, 'used'));
    const { t } = request;
    const page = renderPage(request, {
      title: t('login.confirm.title'),
      body: html`<form method="post" action="/partner/login" class="card">
  <h1>${t('login.confirm.title')}</h1>
  <p>${t('login.confirm.body')}</p>
  <input type="hidden" name="token" value="${token}">
  ${returnTo ? html`<input type="hidden" name="next" value="${returnTo}">` : ''}
  <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
  <button type="submit" autofocus>${t('login.confirm.submit')}</button>
</form>`,
    });
    // The token is in this page: keep it out of caches and of Referer headers.
    return reply.header('referrer-policy', 'no-referrer').type(HTML_TYPE).send(page);
  });

  app.post<{ Body: { token?: string; next?: string } }>('/partner/login', { schema: { body: formBody } }, async (request, reply) => {
    const token = request.body.token ?? '';
    if (!TOKEN_FORMAT.test(token)) return reply.code(400).type(HTML_TYPE).send(invalidLinkPage(request, 'malformed'));
    const result = await signInWithToken(db, token, {
      adminEmails: config.adminEmails,
      previousSessionHash: request.auth?.sessionIdHash ?? null,
      // The language the partner signs in with is the one their emails will use.
      locale: request.locale,
    });
    if (result.kind === 'invalid') return reply.code(410).type(HTML_TYPE).send(invalidLinkPage(request, 'used'));
    if (result.kind === 'suspended') {
      // The reason the operator gave, when there is one (the partner was emailed it too).
      if (result.reason) throw new DomainError('suspended', 403, 'login.suspendedBecause', { reason: result.reason }, null, 'error.403.title');
      throw new DomainError('suspended', 403, 'login.suspended', {}, null, 'error.403.title');
    }
    reply.setCookie(names.session, result.sessionId, cookieOptions(config, Math.floor((result.expiresAt.getTime() - Date.now()) / 1000)));
    reply.clearCookie(names.preSession, { path: '/', secure: config.secureCookies });
    return reply.redirect(safeReturnPath(request.body.next) ?? '/partner/portal', 303);
  });

  app.post('/partner/logout', { schema: { body: formBody } }, async (request, reply) => {
    if (request.auth) await deleteSessionByHash(db, request.auth.sessionIdHash);
    reply.clearCookie(names.session, { path: '/', secure: config.secureCookies });
    return reply.redirect('/partners?signed_out=1', 303);
  });
}

function invalidLinkPage(request: FastifyRequest, why: 'malformed' | 'used'): string {
  const { t } = request;
  const title = why === 'malformed' ? t('login.malformed.title') : t('login.invalid.title');
  const body = why === 'malformed' ? t('login.malformed.body') : t('login.invalid.body');
  return renderPage(request, {
    title,
    body: html`<div class="card"><h1>${title}</h1><p>${body}</p></div>${signInForm(request)}`,
  });
}
