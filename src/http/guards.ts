import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from './errors.js';
import type { SignedInPartner } from '../modules/auth/sessions.js';

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
