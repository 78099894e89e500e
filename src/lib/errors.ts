/**
 * The one refusal type of every domain: a stable code (the JSON API's `error`), an HTTP status,
 * a catalogue message with its parameters, and the field at fault when there is one. Services
 * throw it; one place maps it to a page or JSON (app.ts, `handleError`), and the CLI to an exit
 * code and a line (cli/index.ts). The same refusal has the same status on every face.
 *
 * The subclasses only name the common kinds and fill in the code and status.
 */
import type { MessageKey } from '../i18n/index.js';

export type RefusalStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 422 | 429 | 503;
export type MessageParams = Record<string, string | number>;

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: RefusalStatus,
    readonly messageKey: MessageKey,
    readonly params: MessageParams = {},
    /** The input field at fault: forms show the message next to it, JSON names it. */
    readonly field: string | null = null,
    /** The page title, when the status's own is not the right one. */
    readonly titleKey: MessageKey | null = null,
  ) {
    super(field ? `${code} (${field}): ${messageKey}` : `${code}: ${messageKey}`);
    this.name = 'DomainError';
  }
}

/** A bad value from a person (400): names the field; nothing was written. */
export class InputError extends DomainError {
  constructor(field: string, messageKey: MessageKey, params: MessageParams = {}) {
    super('invalid_input', 400, messageKey, params, field);
    this.name = 'InputError';
  }
}

/** Not allowed from the current state (409), or contradicting an earlier request (422); nothing changed. */
export class ConflictError extends DomainError {
  constructor(code: string, messageKey: MessageKey, params: MessageParams = {}, status: 409 | 422 = 409) {
    super(code, status, messageKey, params);
    this.name = 'ConflictError';
  }
}

/** Nothing of that kind with that id (404). */
export class NotFoundError extends DomainError {
  constructor(readonly what: string) {
    super('not_found', 404, 'error.404.body', { what }, null, 'error.404.title');
    this.name = 'NotFoundError';
  }
}
