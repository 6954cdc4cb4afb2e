/**
 * The one identity of a row in memory: its table and its encoded primary
 * key (database-form values through encodeKey). The storage's row map, the
 * journal fold and load() all use it, so one row never has two names.
 */
export function rowId(table: string, key: string): string {
  return `${table}\u0000${key}`
}
