/** The refusals of the HTTP layer itself (sign-in, CSRF, rate limits), as the one domain error. */
import { DomainError } from '../lib/errors.js';

export const unauthorized = () => new DomainError('unauthorized', 401, 'error.401.body', {}, null, 'error.401.title');
export const forbidden = () => new DomainError('forbidden', 403, 'error.403.body', {}, null, 'error.403.title');
export const csrfRejected = () => new DomainError('csrf', 403, 'error.csrf.body', {}, null, 'error.csrf.title');
export const notFound = () => new DomainError('not_found', 404, 'error.404.body', {}, null, 'error.404.title');
export const tooManyRequests = (retryAfterSeconds: number) =>
  new DomainError('rate_limited', 429, 'error.429.body', { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)), retryAfterSeconds }, null, 'error.429.title');
