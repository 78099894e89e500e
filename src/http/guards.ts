import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { safeEqual } from '../lib/crypto.js';
import { DomainError } from '../lib/errors.js';
import type { Actor } from '../modules/audit/actor.js';
import type { SignedInPartner } from '../modules/auth/sessions.js';
import { forbidden, unauthorized } from './errors.js';

/** The signed-in partner, or a 401 with a sign-in link. A forged or seed-style cookie gives nothing. */
export function requirePartner(request: FastifyRequest): SignedInPartner {
  if (!request.auth) throw unauthorized();
  return request.auth;
}

export function requireOperator(request: FastifyRequest): SignedInPartner {
  const partner = requirePartner(request);
  if (!request.isAdmin) throw forbidden();
  return partner;
}

/** The signed-in operator as the audit log names them (a 401 or 403 otherwise). */
export function operatorActor(request: FastifyRequest): Actor {
  const operator = requireOperator(request);
  return { id: operator.partnerId, label: operator.email };
}

/**
 * The operator of a JSON API call: `Authorization: Bearer ADMIN_API_TOKEN`, or else an operator's
 * session. A wrong token is a 401 even when a session cookie would do.
 */
export function apiOperatorActor(request: FastifyRequest, config: Config): Actor {
  const header = request.headers.authorization;
  if (header === undefined) return operatorActor(request);
  const token = /^Bearer (\S+)$/.exec(header)?.[1];
  if (!config.adminApiToken || !token || !safeEqual(token, config.adminApiToken)) {
    throw new DomainError('invalid_token', 401, 'error.401.body', {}, null, 'error.401.title');
  }
  return { id: null, label: 'api-token' };
}
