/**
 * The one rule for text that reaches the database: no C0 control character other than tab, line
 * feed and carriage return. PostgreSQL refuses NUL (0x00) in text outright — the query fails with
 * a 500 after part of the work was done — and the other controls are never typed by a person but
 * break what the text is written into later (XML 1.0 forbids them in SEPA files; CSV cells, emails,
 * logs). Every face applies it to its whole input before any service runs: the HTTP layer to
 * query, route parameters and body (app.ts), the CLI to its arguments.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this rule is about
const UNSTORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

export interface UnstorableText {
  /** Where the character is: a form or JSON field (`name`, `posts.1`), a query or CLI option. */
  field: string;
  /** Its code point, as U+0000. */
  character: string;
}

/**
 * The first string in `value` (a string, or arrays and plain objects of them, however nested) that
 * holds a character text fields refuse, or null when all is well.
 */
export function findUnstorableText(value: unknown, field = ''): UnstorableText | null {
  if (typeof value === 'string') {
    const found = UNSTORABLE.exec(value);
    if (!found) return null;
    const code = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return { field: field || 'value', character: `U+${code}` };
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const inner = findUnstorableText(item, field ? `${field}.${key}` : key);
    if (inner) return inner;
  }
  return null;
}
