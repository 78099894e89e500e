/**
 * Security headers on every response (helmet): a strict CSP (pages use no inline script or style),
 * no framing, no MIME sniffing, HSTS when cookies are secure.
 *
 * helmet decides the headers; none of them depends on the request, so they are read off helmet
 * once, at start, and written as a fixed list on every response (the redirect's fast path writes
 * the same list). @fastify/helmet, used before, rebuilt helmet on every request (parsing the CSP
 * directives each time): about a tenth of the server's busy time on the redirect in a CPU profile
 * under load (BENCHMARKS.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export function registerSecurityHeaders(app: FastifyInstance, headers: HeaderList): void {
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    done();
  });
}

/**
 * Of those headers, the ones that still act on a redirect. A 302 with an empty body is never
 * rendered: the browser follows it, and the content policy, framing, sniffing and the legacy X-
 * headers apply to the page it lands on, not to the redirect. Four still act: HSTS (any HTTPS
 * response sets it), the referrer policy (it governs the referrer of the redirected request),
 * and the cross-origin resource and opener policies (a browser checks them at every hop of a
 * fetch or a navigation). The others were 413 bytes on every click, written by the server and
 * read by every client (BENCHMARKS.md).
 */
const ACTING_ON_REDIRECTS = new Set(['referrer-policy', 'strict-transport-security', 'cross-origin-resource-policy', 'cross-origin-opener-policy']);

export function redirectHeaders(headers: HeaderList): HeaderList {
  return headers.filter(([name]) => ACTING_ON_REDIRECTS.has(name));
}

/** The names of the headers a redirect does without (see `redirectHeaders`). */
export function documentOnlyHeaderNames(headers: HeaderList): string[] {
  return headers.filter(([name]) => !ACTING_ON_REDIRECTS.has(name)).map(([name]) => name);
}

/** The security headers helmet sets with this service's policy, in helmet's order. */
export function securityHeaders(options: { hsts: boolean }): HeaderList {
  const applyHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    strictTransportSecurity: options.hsts ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginEmbedderPolicy: false,
    xFrameOptions: { action: 'deny' },
  });
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: string) {
      headers.set(name.toLowerCase(), String(value));
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  let failure: unknown = null;
  applyHeaders({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) failure = error;
  });
  if (failure) throw failure;
  if (headers.size === 0) throw new Error('helmet set no security headers');
  return [...headers];
}
