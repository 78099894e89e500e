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
  /** Its code point, as U+0000; null when the value is nested deeper than any input of ours. */
  character: string | null;
}

/** No input of the app nests deeper; a deeper value is refused rather than walked (a stack is not infinite). */
const MAX_DEPTH = 32;

/**
 * The first string in `value` (a string, or arrays and plain objects of them, however nested) that
 * holds a character text fields refuse, or null when all is well. Walked without recursion.
 */
export function findUnstorableText(value: unknown, field = ''): UnstorableText | null {
  const pending: Array<{ value: unknown; field: string; depth: number }> = [{ value, field, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value === 'string') {
      const found = UNSTORABLE.exec(next.value);
      if (!found) continue;
      const code = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      return { field: next.field || 'value', character: `U+${code}` };
    }
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.depth >= MAX_DEPTH) return { field: next.field || 'value', character: null };
    const entries = Object.entries(next.value);
    // Reversed onto the stack, so fields are looked at in their order and the first is reported.
    for (let k = entries.length - 1; k >= 0; k--) {
      const [key, item] = entries[k]!;
      pending.push({ value: item, field: next.field ? `${next.field}.${key}` : key, depth: next.depth + 1 });
    }
  }
  return null;
}
