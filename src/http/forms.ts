/**
 * Forms: what a service refuses (a DomainError of 400, 409 or 422) re-renders the form, at the
 * refusal's own status, with the message next to its field (or above the form when no field is at
 * fault). Anything else — a 404, a 403, a failure — goes on to the one error handler.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type MessageParams } from '../lib/errors.js';
import { HTML_TYPE } from './html.js';

/** A refusal as a form shows it. */
export interface FormError {
  /** The field the message goes next to, or null for a message above the form. */
  field: string | null;
  message: string;
  /** The refusal's code (a page may react to one, e.g. a form whose key was used). */
  code: string;
}

const SHOWN_ON_THE_FORM = new Set([400, 409, 422]);

/**
 * Runs `attempt`; on success answers what `done` returns (a redirect, as a rule); on a refusal the
 * form can show, answers `render(formError)` with the refusal's status. `params` adds message
 * parameters a page knows and the service does not (an amount in the page's language).
 */
export async function submitForm<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  attempt: () => Promise<T>,
  handlers: { done: (result: T) => FastifyReply | Promise<FastifyReply>; render: (error: FormError) => string | Promise<string>; params?: MessageParams },
): Promise<FastifyReply> {
  let result: T;
  try {
    result = await attempt();
  } catch (error) {
    if (!(error instanceof DomainError) || !SHOWN_ON_THE_FORM.has(error.status)) throw error;
    const formError = { field: error.field, code: error.code, message: request.t(error.messageKey, { ...handlers.params, ...error.params }) };
    return reply.code(error.status).type(HTML_TYPE).send(await handlers.render(formError));
  }
  return handlers.done(result);
}
