import type { MessageKey } from '../i18n/index.js';

/**
 * A refusal the visitor should understand: an HTTP status, a stable code for the JSON API, and
 * catalogue keys for the HTML page. Thrown anywhere; the one error handler renders it.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly titleKey: MessageKey,
    readonly bodyKey: MessageKey,
    readonly params: Record<string, string | number> = {},
  ) {
    super(code);
    this.name = 'HttpError';
  }
}

export const unauthorized = () => new HttpError(401, 'unauthorized', 'error.401.title', 'error.401.body');
export const forbidden = () => new HttpError(403, 'forbidden', 'error.403.title', 'error.403.body');
export const csrfRejected = () => new HttpError(403, 'csrf', 'error.csrf.title', 'error.csrf.body');
export const notFound = () => new HttpError(404, 'not_found', 'error.404.title', 'error.404.body');
export const tooManyRequests = (retryAfterSeconds: number) =>
  new HttpError(429, 'rate_limited', 'error.429.title', 'error.429.body', {
    minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)),
    retryAfterSeconds,
  });
