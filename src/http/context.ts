/**
 * What every request knows about its visitor: the language, the signed-in partner (from the
 * server-side session), and a CSRF token bound to the session or, before sign-in, to a pre-session
 * cookie. Every state-changing form POST must carry that token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import '@fastify/cookie';
import fp from 'fastify-plugin';
import type { Config, Locale } from '../config.js';
import type { Db } from '../db/client.js';
import { isLocale, negotiateLocale, translator, type Translate } from '../i18n/index.js';
import { keyedHash, randomToken, safeEqual } from '../lib/crypto.js';
import { findSession, type SignedInPartner } from '../modules/auth/sessions.js';
import { csrfRejected } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
    t: Translate;
    /** The signed-in partner, or null. */
    auth: SignedInPartner | null;
    /** True when the partner is an operator: role admin AND still listed in ADMIN_EMAILS. */
    isAdmin: boolean;
    /** The raw session id from the cookie, when it names a live session. */
    sessionId: string | null;
    /** A CSRF token for forms on this page (creates the pre-session cookie when needed). */
    csrfToken(): string;
  }
  interface FastifyContextConfig {
    /** Set to false on routes that must not read the session (static assets, health). */
    session?: boolean;
    /** Set to false on POST routes that authenticate otherwise (none yet). */
    csrf?: boolean;
    /**
     * Set to false on routes that store no text from the request, so the stored-text rule
     * (lib/stored-text.ts) has nothing to protect: the tracked redirect, which ignores every query
     * parameter but `lang` and must redirect whatever a platform appends to its link.
     */
    storesText?: boolean;
  }
}

export interface CookieNames {
  session: string;
  preSession: string;
  locale: string;
}

export function cookieNames(config: Config): CookieNames {
  // `__Host-` binds the cookie to this exact origin (https only): no subdomain can set or read it.
  const prefix = config.secureCookies ? '__Host-' : '';
  return { session: `${prefix}pe_session`, preSession: `${prefix}pe_pre`, locale: 'pe_lang' };
}

export function cookieOptions(config: Config, maxAgeSeconds: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.secureCookies,
    maxAge: maxAgeSeconds,
  };
}

export const CSRF_FIELD = '_csrf';

export default fp(
  async function requestContext(app: FastifyInstance, opts: { config: Config; db: Db }) {
    const { config, db } = opts;
    const names = cookieNames(config);

    app.decorateRequest('locale', 'fr');
    app.decorateRequest('t', null as unknown as Translate);
    app.decorateRequest('auth', null);
    app.decorateRequest('isAdmin', false);
    app.decorateRequest('sessionId', null);
    app.decorateRequest('csrfToken', function csrfTokenUnset(this: FastifyRequest): string {
      throw new Error('csrfToken() used before the request context was set');
    });

    app.addHook('onRequest', async (request, reply) => {
      request.locale = chooseLocale(request, reply, config, names);
      request.t = translator(request.locale);
      if (request.routeOptions.config.session === false) return;

      const sessionId = request.cookies[names.session];
      if (sessionId && sessionId.length <= 100) {
        const found = await findSession(db, sessionId);
        if (found) {
          request.auth = found;
          request.sessionId = sessionId;
          request.isAdmin = found.role === 'admin' && config.adminEmails.has(found.email);
        }
      }
      let token: string | null = null;
      request.csrfToken = () => (token ??= csrfTokenFor(csrfSeed(request, reply, config, names), config.appSecret));
    });

    app.addHook('preHandler', async (request) => {
      if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
      if (request.routeOptions.config.csrf === false) return;
      if (request.url.startsWith('/api/')) {
        // A bearer token is not sent by browsers on their own; a JSON body cannot cross sites
        // without a CORS preflight, which this service never grants.
        if (request.headers.authorization !== undefined) return;
        if (String(request.headers['content-type'] ?? '').startsWith('application/json')) return;
      }
      const body = request.body as Record<string, unknown> | undefined;
      const sent = (typeof body?.[CSRF_FIELD] === 'string' ? body[CSRF_FIELD] : request.headers['x-csrf-token']) as
        | string
        | undefined;
      const seed = request.sessionId ?? request.cookies[names.preSession];
      if (!sent || !seed || !safeEqual(sent, csrfTokenFor(seed, config.appSecret))) {
        request.log.info({ reason: sent ? 'mismatch' : 'missing' }, 'CSRF token refused');
        throw csrfRejected();
      }
    });
  },
  { name: 'request-context', dependencies: ['@fastify/cookie'] },
);

export function csrfTokenFor(seed: string, secret: string): string {
  return keyedHash(secret, 'csrf', seed);
}

function csrfSeed(request: FastifyRequest, reply: FastifyReply, config: Config, names: CookieNames): string {
  if (request.sessionId) return request.sessionId;
  const existing = request.cookies[names.preSession];
  if (existing && existing.length >= 32 && existing.length <= 100) return existing;
  const seed = randomToken(32);
  request.cookies[names.preSession] = seed;
  reply.setCookie(names.preSession, seed, cookieOptions(config, 24 * 60 * 60));
  return seed;
}

function chooseLocale(request: FastifyRequest, reply: FastifyReply, config: Config, names: CookieNames): Locale {
  const asked = (request.query as Record<string, unknown> | undefined)?.['lang'];
  if (isLocale(asked)) {
    reply.setCookie(names.locale, asked, { path: '/', sameSite: 'lax', secure: config.secureCookies, maxAge: 365 * 24 * 3600 });
    return asked;
  }
  const fromCookie = request.cookies[names.locale];
  if (isLocale(fromCookie)) return fromCookie;
  return negotiateLocale(request.headers['accept-language'], config.defaultLocale);
}
