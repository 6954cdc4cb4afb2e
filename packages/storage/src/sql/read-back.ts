import { EPOCH_COLUMN, VERSION_COLUMN } from '../entity/index.js'
import { q, type UpsertSpec } from './upsert.js'

/** Column alias of the "row holds exactly what was written" flag. */
export const SAME = '_same'

/**
 * Reads back the rows of an upsert batch the database did not plainly
 * accept: their primary key, version and epoch, and `_same` = 1 when the row
 * holds exactly this batch's version, epoch and values. An equal version
 * with other values is a write that did not land (another writer got there
 * with the same version), which (version, epoch) alone cannot tell.
 *
 * The written rows are joined as a derived table on the primary key, so the
 * cost grows with the batch, not its square. Strings and binary values
 * compare as bytes (`BINARY`): the tables' collation would call 'a' and 'A'
 * equal.
 */
export function readBackSql(spec: UpsertSpec): { sql: string; params: unknown[] } {
  const pk = spec.primaryKey.length
  const width = spec.columns.length + 2
  const bytes = spec.columns.map((_c, i) =>
    spec.rows.some((r) => typeof r[i] === 'string' || Buffer.isBuffer(r[i])),
  )
  const alias = (i: number) => `_w${i}`
  const first = Array.from({ length: width }, (_x, i) => `? AS ${alias(i)}`).join(', ')
  const next = Array.from({ length: width }, () => '?').join(', ')
  const params: unknown[] = []
  for (const r of spec.rows) for (const v of r) params.push(v)
  const selects = spec.rows.map((_r, i) => `SELECT ${i === 0 ? first : next}`).join(' UNION ALL ')
  const on = spec.primaryKey.map((c, i) => `t.${q(c)} = w.${alias(i)}`).join(' AND ')
  const same = spec.columns
    .map((c, i) =>
      i < pk
        ? undefined
        : bytes[i]
          ? `BINARY t.${q(c)} <=> BINARY w.${alias(i)}`
          : `t.${q(c)} <=> w.${alias(i)}`,
    )
    .filter((x): x is string => x !== undefined)
  same.push(`t.${q(VERSION_COLUMN)} = w.${alias(width - 2)}`, `t.${q(EPOCH_COLUMN)} = w.${alias(width - 1)}`)
  const cols = [...spec.primaryKey, VERSION_COLUMN, EPOCH_COLUMN].map((c) => `t.${q(c)}`).join(', ')
  return {
    sql: `SELECT ${cols}, (${same.join(' AND ')}) AS ${SAME} FROM ${q(spec.table)} t JOIN (${selects}) w ON ${on}`,
    params,
  }
}
