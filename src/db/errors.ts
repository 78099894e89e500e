/** PostgreSQL's error codes that the services act on, as `pg` and PGlite report them (on the error or its cause). */
function sqlState(error: unknown): string | undefined {
  return (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
}

/** A unique index refused the row (23505). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}
