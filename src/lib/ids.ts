/**
 * Whether a text is a UUID as the database writes them: anything else in a URL or a form is
 * "not found" at once, never a cast the database refuses (a 500).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}
