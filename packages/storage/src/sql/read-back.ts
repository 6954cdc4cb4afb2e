import { EPOCH_COLUMN, VERSION_COLUMN } from '../entity/index.js'
import { keyInSql, q, type UpsertSpec } from './upsert.js'

/** Column alias of the "row holds exactly what was written" flag. */
export const SAME = '_same'

/**
 * Reads back the rows of an upsert batch the database did not plainly
 * accept: their primary key, version and epoch, and `_same` = 1 when the row
 * holds exactly this batch's version, epoch and values. An equal version
 * with other values is a write that did not land (another writer got there
 * with the same version), which (version, epoch) alone cannot tell.
 *
 * Strings and binary values compare as bytes (`BINARY`): the tables'
 * collation would call 'a' and 'A ' equal.
 */
export function readBackSql(spec: UpsertSpec): { sql: string; params: unknown[] } {
  const pk = spec.primaryKey.length
  const keys = spec.rows.map((r) => r.slice(0, pk))
  const params: unknown[] = []
  const tuples: string[] = []
  for (const r of spec.rows) {
    const terms: string[] = []
    spec.columns.forEach((c, i) => {
      const v = r[i]
      if (v === null || v === undefined) terms.push(`${q(c)} IS NULL`)
      else if (typeof v === 'string' || Buffer.isBuffer(v)) {
        terms.push(`BINARY ${q(c)} = BINARY ?`)
        params.push(v)
      } else {
        terms.push(`${q(c)} = ?`)
        params.push(v)
      }
    })
    terms.push(`${q(VERSION_COLUMN)} = ?`, `${q(EPOCH_COLUMN)} = ?`)
    params.push(r[r.length - 2], r[r.length - 1])
    tuples.push(`(${terms.join(' AND ')})`)
  }
  const where = keyInSql(spec.primaryKey, keys)
  const cols = [...spec.primaryKey, VERSION_COLUMN, EPOCH_COLUMN].map(q).join(',')
  return {
    sql: `SELECT ${cols}, (${tuples.join(' OR ')}) AS ${SAME} FROM ${q(spec.table)} WHERE ${where.sql}`,
    params: [...params, ...where.params],
  }
}
