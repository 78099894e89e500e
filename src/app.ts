/**
 * buildApp(config, database) assembles the HTTP application without listening, so tests drive it
 * with `inject` and `server.ts` only listens and closes.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import requestContext, { cookieNames } from './http/context.js';
import { notFound } from './http/errors.js';
import { html, HTML_TYPE } from './http/html.js';
import { renderPage } from './http/layout.js';
import { safeReturnPath } from './http/return-path.js';
import { redactUrl } from './http/logging.js';
import { trustProxyFunction } from './http/client-address.js';
import { documentOnlyHeaderNames, redirectHeaders, registerSecurityHeaders, securityHeaders } from './http/security-headers.js';
import { translator, type MessageKey } from './i18n/index.js';
import { registerAuthRoutes } from './modules/auth/routes.js';
import { createOutboxMailer, createSmtpMailer, type Mailer } from './modules/mail/mailer.js';
import { registerAdminPages } from './modules/admin/admin-pages.js';
import { registerApiRoutes } from './modules/api/api-routes.js';
import { registerConversionRoutes } from './modules/sales/conversion-api.js';
import { salesDeps } from './modules/sales/sales-deps.js';
import { registerStripeRoutes } from './modules/sales/stripe-routes.js';
import { registerSalesImportPages } from './modules/admin/sales-import-pages.js';
import { ClickWriter } from './modules/clicks/click-writer.js';
import { LinkCache } from './modules/clicks/link-cache.js';
import { RedirectFastPath } from './modules/clicks/redirect-fast-path.js';
import { registerRedirectRoute } from './modules/clicks/redirect-route.js';
import { registerEarningsPages } from './modules/pages/earnings-pages.js';
import { registerPartnerPages } from './modules/pages/partner-pages.js';
import { registerPostsPages } from './modules/pages/posts-pages.js';
import { publishingDeps } from './modules/publishing/adapters.js';
import type { PublishingDeps } from './modules/publishing/publications.js';
import { registerAdminWithdrawals } from './modules/withdrawals/admin-withdrawals.js';
import { registerWithdrawalApi } from './modules/withdrawals/withdrawal-api.js';
import { DomainError, InputError } from './lib/errors.js';
import { registerPublicPages } from './modules/pages/public-pages.js';
import { signInForm } from './modules/pages/sign-in-form.js';
import { projectRoot } from './lib/project-root.js';
import { findUnstorableText } from './lib/stored-text.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

const publicDir = join(projectRoot, 'public');

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Replaces the mailer chosen from the settings (tests). */
  mailer?: Mailer;
}

export function createMailer(config: Config): Mailer {
  return config.smtpUrl
    ? createSmtpMailer(config.smtpUrl, config.mailFrom)
    : createOutboxMailer(join(config.dataDir, 'outbox'), config.mailFrom);
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The redirect's fast path in front of Fastify (tests read its counter; it is also in the writer's closing log line). */
    redirectFastPath: RedirectFastPath;
    /** The mail this app sends with (the server's publishing worker sends with it too). */
    mailer: Mailer;
    publishing: PublishingDeps;
  }
}

export async function buildApp(config: Config, database: Database, options: AppOptions = {}): Promise<FastifyInstance> {
  const trustProxy = trustProxyFunction(config.trustProxy);
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: config.trustProxy === false ? false : trustProxy,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 200 },
    // Field names never change; only strings come from forms.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  const mailer = options.mailer ?? createMailer(config);
  app.addHook('onClose', async () => mailer.close());
  app.decorate('mailer', mailer);
  // What publishing needs; the server sets `wakeWorker` when it runs a worker in this process.
  const publishing: PublishingDeps = publishingDeps(config);
  app.decorate('publishing', publishing);

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: BODY_LIMIT_BYTES });
  const headers = securityHeaders({ hsts: config.secureCookies });
  registerSecurityHeaders(app, headers);
  await app.register(requestContext, { config, db: database.db });
  // Forms are url-encoded, the API is JSON: no other body type is accepted.
  app.removeContentTypeParser('text/plain');
  await app.register(swagger, {
    openapi: {
      info: { title: 'Plug & Earn API', version: '1', description: 'Amounts are integer euro cents.' },
      servers: [{ url: config.baseUrl.origin }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_TOKEN, for /api/admin/ only' },
          session: { type: 'apiKey', in: 'cookie', name: cookieNames(config).session },
        },
      },
    },
    hideUntagged: true,
  });

  // Pages carry CSRF tokens and personal data: never cached.
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) reply.header('cache-control', 'no-store');
    return payload;
  });

  // Every text input, on every route, before any handler or query runs (lib/stored-text.ts).
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.config.storesText === false) return;
    const bad = findUnstorableText(request.params) ?? findUnstorableText(request.query) ?? findUnstorableText(request.body);
    if (bad?.character === null) throw new InputError(bad.field, 'error.text.tooDeep');
    if (bad) throw new InputError(bad.field, 'error.text.control', { field: bad.field, character: bad.character });
  });

  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => handleError(error, request, reply, config));
  app.setNotFoundHandler((request, reply) =>
    handleError(notFound(), request, reply, config),
  );

  registerAssets(app);
  app.get('/healthz', { config: { session: false } }, async (_request, reply) => {
    try {
      await database.ping();
      return { status: 'ok', database: { engine: database.engine, status: 'ok' } };
    } catch (error) {
      reply.log.error({ err: error }, 'health check: database unreachable');
      return reply.code(503).send({ status: 'unavailable', database: { engine: database.engine, status: 'unreachable' } });
    }
  });
  const deps = { config, db: database.db };
  const writer = new ClickWriter(
    database.db,
    { secret: config.appSecret, dedupeHours: config.clickDedupeHours, maxPaidClicksPerDay: config.maxPaidClicksPerDay },
    // One batch in flight. On 2 cores, 2 batches were slower while a batch locked its partner-days
    // first; since record_clicks locks them last (migration 0007) 2 batches ranged from 10 % slower
    // to 10 % faster than 1 between runs, and with the answers deferred they were slower
    // (BENCHMARKS.md).
    { concurrency: 1, answerAfterSendingNext: database.engine === 'postgres' },
  );
  const links = new LinkCache(database.db);
  const fastPath = new RedirectFastPath({
    links,
    writer,
    clickIds: config,
    trustProxy,
    sessionCookie: cookieNames(config).session,
    redirectHeaders: redirectHeaders(headers),
    log: app.log,
    // While closing, a connection must not outlive its last answer: the server waits for every
    // connection to end before the last clicks are committed and the process exits.
    answeredWhileClosing: () => setImmediate(() => app.server.closeIdleConnections()),
  });
  answerFirst(app.server, fastPath);
  app.decorate('redirectFastPath', fastPath);
  app.addHook('preClose', async () => fastPath.close());
  // Closing: every click already handed to the writer is committed before the database closes.
  app.addHook('onClose', async () => {
    await writer.drain();
    const { batches, clicks, largestBatch } = writer.stats;
    if (batches > 0) {
      const meanBatch = Math.round((clicks / batches) * 10) / 10;
      app.log.info({ batches, clicks, meanBatch, largestBatch, fastPath: fastPath.stats.served }, 'click writer: batches written');
    }
  });
  registerPublicPages(app, deps);
  registerAuthRoutes(app, { ...deps, mailer });
  registerRedirectRoute(app, { links, writer, clickIds: config, documentOnlyHeaders: documentOnlyHeaderNames(headers) });
  registerPartnerPages(app, deps);
  registerPostsPages(app, { db: deps.db, publishing });
  registerEarningsPages(app, { ...deps, mailer });
  registerAdminPages(app, { ...deps, mailer });
  registerApiRoutes(app, { ...deps, mailer });
  registerAdminWithdrawals(app, { ...deps, mailer });
  registerWithdrawalApi(app, { ...deps, mailer });
  registerConversionRoutes(app, { config, db: deps.db, deps: salesDeps(config) });
  registerStripeRoutes(app, { config, db: deps.db, sales: salesDeps(config) });
  registerSalesImportPages(app, { db: deps.db, sales: salesDeps(config) });
  return app;
}

/**
 * Puts the redirect's fast path in front of Fastify on the server Fastify created: its request
 * listener (Fastify's router) is called for whatever the fast path leaves. The server itself
 * stays Fastify's own, with its timeouts and its close, and so does every other address Fastify
 * binds (HOST=localhost may bind two; those are served by Fastify alone). `inject` never reaches
 * a server, so it always goes through Fastify.
 */
function answerFirst(server: Server, fastPath: RedirectFastPath): void {
  const listeners = server.listeners('request') as Array<(request: IncomingMessage, response: ServerResponse) => void>;
  if (listeners.length !== 1) throw new Error(`expected Fastify's one request listener, found ${listeners.length}`);
  const fastify = listeners[0]!;
  server.removeListener('request', fastify);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!fastPath.handle(request, response)) fastify(request, response);
  });
}

function registerAssets(app: FastifyInstance): void {
  const assets: Record<string, { type: string; body: Buffer }> = {
    'app.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(publicDir, 'app.css')) },
    'favicon.svg': { type: 'image/svg+xml', body: readFileSync(join(publicDir, 'favicon.svg')) },
    'app.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(publicDir, 'app.js')) },
  };
  app.get<{ Params: { name: string } }>('/assets/:name', { config: { session: false } }, async (request, reply) => {
    const asset = Object.hasOwn(assets, request.params.name) ? assets[request.params.name] : undefined;
    if (!asset) throw notFound();
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
  });
}

const STATUS_TITLES: Record<number, MessageKey> = {
  400: 'error.400.title',
  401: 'error.401.title',
  403: 'error.403.title',
  404: 'error.404.title',
  405: 'error.405.title',
  409: 'error.409.title',
  413: 'error.413.title',
  422: 'error.409.title',
  429: 'error.429.title',
  503: 'error.500.title',
};

/** The one error handler: a readable page (or JSON under /api), 5xx details only in the log. */
function handleError(error: FastifyError | DomainError, request: FastifyRequest, reply: FastifyReply, config: Config) {
  const t = request.t ?? translator(config.defaultLocale);
  let status: number;
  let code: string;
  let title: string;
  let message: string;
  let field: string | null = null;
  if (error instanceof DomainError) {
    status = error.status;
    code = error.code;
    field = error.field;
    title = t(error.titleKey ?? STATUS_TITLES[status] ?? 'error.400.title', error.params);
    message = t(error.messageKey, error.params);
    if (typeof error.params['retryAfterSeconds'] === 'number') reply.header('retry-after', String(error.params['retryAfterSeconds']));
    if (status >= 500) request.log.warn({ code }, 'service unavailable');
  } else if (error.validation) {
    status = 400;
    code = 'invalid_request';
    title = t('error.400.title');
    // The API's callers get the validator's precise words; people get a sentence in their language.
    message = request.url.startsWith('/api/') ? error.message : t('error.400.body');
  } else if ((error.statusCode ?? 500) < 500) {
    status = error.statusCode!;
    code = error.code ?? 'bad_request';
    title = t(STATUS_TITLES[status] ?? 'error.400.title');
    message = status === 413 ? t('error.413.body') : t('error.400.body');
  } else {
    request.log.error({ err: error, url: redactUrl(request.url), method: request.method }, 'request failed');
    status = 500;
    code = 'internal_error';
    title = t('error.500.title');
    message = t('error.500.body');
  }

  const accept = request.headers.accept ?? '';
  const wantsJson = request.url.startsWith('/api/') || (accept.includes('application/json') && !accept.includes('text/html'));
  if (wantsJson) return reply.code(status).send(field ? { error: code, message, field } : { error: code, message });
  if (!request.t) {
    // The request context itself failed (e.g. the database is down): a page without forms.
    return reply.code(status).type(HTML_TYPE).send(`<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${html`<h1>${title}</h1><p>${message}</p>`}</body></html>`);
  }
  // Signed in from here, the partner comes back to the page they asked for.
  const returnTo = request.method === 'GET' ? safeReturnPath(request.url) : null;
  const extra = status === 401 ? html`<p><a href="/partners#signin">${t('error.401.link')}</a></p>${signInForm(request, { returnTo })}` : html`<p><a href="/partners">${t('error.home')}</a></p>`;
  return reply
    .code(status)
    .type(HTML_TYPE)
    .send(renderPage(request, { title, body: html`<div class="card"><h1>${title}</h1><p>${message}</p></div>${extra}` }));
}
