import { EPOCH_COLUMN, VERSION_COLUMN } from '../entity/index.js'

/**
 * One batched write, as data: enough to rebuild the statement, so the same
 * record can be retried, split on an SQL error, dumped and replayed.
 * Each row holds database-form values for `columns`, then version, then epoch.
 */
export interface UpsertSpec {
  table: string
  primaryKey: readonly string[]
  /** Primary key columns first, then the changed columns. */
  columns: readonly string[]
  rows: unknown[][]
}

export const q = (ident: string): string => `\`${ident.replace(/`/g, '``')}\``

/**
 * Fenced multi-row upsert. A row's values land only when (epoch, version)
 * of the write is greater than the stored pair, compared lexicographically:
 * a newer owner epoch always wins, and within one epoch only a newer version
 * does. So a stale owner never overwrites, and replaying or retrying a write
 * that already landed changes nothing (no `x = x + 1` anywhere).
 *
 * MySQL and MariaDB evaluate ON DUPLICATE KEY UPDATE assignments left to
 * right, each seeing the columns already assigned. The data columns come
 * first (they see the old _version and _epoch), then _version (still the old
 * _epoch), then _epoch, which needs no condition: when the write wins, its
 * epoch is >= the stored one; when it loses, it is <= the stored one, so
 * GREATEST() is right in both cases without looking at the updated _version.
 */
export function upsertSql(spec: UpsertSpec): { sql: string; params: unknown[] } {
  const cols = [...spec.columns, VERSION_COLUMN, EPOCH_COLUMN]
  const v = q(VERSION_COLUMN)
  const e = q(EPOCH_COLUMN)
  const wins = `(VALUES(${e}) > ${e} OR (VALUES(${e}) = ${e} AND VALUES(${v}) > ${v}))`
  const updates = spec.columns
    .filter((c) => !spec.primaryKey.includes(c))
    .map((c) => `${q(c)} = IF(${wins}, VALUES(${q(c)}), ${q(c)})`)
  updates.push(`${v} = IF(${wins}, VALUES(${v}), ${v})`, `${e} = GREATEST(${e}, VALUES(${e}))`)
  const tuple = `(${cols.map(() => '?').join(',')})`
  const params: unknown[] = []
  const tuples: string[] = []
  for (const r of spec.rows) {
    if (r.length !== cols.length)
      throw new Error(`upsert row has ${r.length} values for ${cols.length} columns`)
    tuples.push(tuple)
    for (const x of r) params.push(x)
  }
  const sql = `INSERT INTO ${q(spec.table)} (${cols.map(q).join(',')}) VALUES ${tuples.join(',')} ON DUPLICATE KEY UPDATE ${updates.join(', ')}`
  return { sql, params }
}

/** `(pk1, pk2) IN ((?,?),(?,?))` or `pk IN (?,?)` for a set of keys. */
export function keyInSql(
  primaryKey: readonly string[],
  keys: readonly unknown[][],
): { sql: string; params: unknown[] } {
  const params: unknown[] = []
  for (const k of keys) for (const x of k) params.push(x)
  if (primaryKey.length === 1) {
    return { sql: `${q(primaryKey[0] as string)} IN (${keys.map(() => '?').join(',')})`, params }
  }
  const t = `(${primaryKey.map(() => '?').join(',')})`
  return { sql: `(${primaryKey.map(q).join(',')}) IN (${keys.map(() => t).join(',')})`, params }
}

/**
 * Rows of an upsert the fence refused, from affectedRows and the server's
 * info line, whose "Duplicates" counts the rows that hit an existing key and
 * were changed: inserted = affected - 2 * updated, so refused = rows -
 * affected + updated. Undefined when it cannot be told (no info line).
 */
export function refusedCount(rows: number, affected: number, info: string | undefined): number | undefined {
  if (rows === 1) return affected === 0 ? 1 : 0
  const m = /Duplicates:\s*(\d+)/.exec(info ?? '')
  if (!m) return undefined
  const refused = rows - affected + Number(m[1])
  return refused >= 0 && refused <= rows ? refused : undefined
}
