/**
 * A PostgreSQL array literal (`{"a","b"}`) for `unnest($1::text[])`: Drizzle's `sql` template
 * expands a JS array into a list of parameters, so batch statements pass one literal per column.
 */
export function pgArray(values: ReadonlyArray<string | number | null>): string {
  const items = values.map((value) => {
    if (value === null) return 'NULL';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new RangeError('pgArray: not a finite number');
      return String(value);
    }
    return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}
