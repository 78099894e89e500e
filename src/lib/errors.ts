import type { MessageKey } from '../i18n/index.js';

/** A bad value from a person: names the field and a catalogue message; nothing was written. */
export class InputError extends Error {
  constructor(
    readonly field: string,
    readonly messageKey: MessageKey,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`invalid ${field}: ${messageKey}`);
    this.name = 'InputError';
  }
}

/** A state change that is not allowed from the current state (answered 409, nothing changed). */
export class ConflictError extends Error {
  constructor(
    readonly code: string,
    readonly messageKey: MessageKey,
    readonly params: Record<string, string | number> = {},
    /** 409 by default; 422 when the request is well-formed but contradicts an earlier one. */
    readonly status: 409 | 422 = 409,
  ) {
    super(code);
    this.name = 'ConflictError';
  }
}

export class NotFoundError extends Error {
  constructor(readonly what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}
