import type { Column, RowState } from '../entity/index.js'
import type { UpsertSpec } from '../sql/upsert.js'
import type { RowMeta } from './batch-writer.js'

export interface PlannedBatch {
  spec: UpsertSpec
  meta: RowMeta[]
}

/**
 * Take the dirty columns of each row (clearing them and assigning the next
 * version) and group rows that changed the same columns of the same table
 * into multi-row upserts of at most `batchRows` rows.
 */
export function takeDirty(states: Iterable<RowState>, batchRows: number): PlannedBatch[] {
  const groups = new Map<string, PlannedBatch>()
  const out: PlannedBatch[] = []
  for (const s of states) {
    if (s.dirtyCount === 0 || s.fenced) continue
    const e = s.entity
    const changed: number[] = []
    for (let i = 0; i < s.dirty.length; i++) if (s.dirty[i] === 1 && !e.isPk[i]) changed.push(i)
    const sig = `${e.table}\u0000${changed.join(',')}`
    let g = groups.get(sig)
    if (!g || g.spec.rows.length >= batchRows) {
      g = {
        spec: {
          table: e.table,
          primaryKey: e.primaryKey,
          columns: [...e.primaryKey, ...changed.map((i) => e.columnNames[i] as string)],
          rows: [],
        },
        meta: [],
      }
      groups.set(sig, g)
      out.push(g)
    }
    const version = ++s.version
    const row: unknown[] = []
    for (const i of e.pkIndexes) row.push((e.columnList[i] as Column).toDb(s.values[i]))
    for (const i of changed) row.push((e.columnList[i] as Column).toDb(s.values[i]))
    row.push(version, s.epoch)
    s.dirty.fill(0)
    s.dirtyCount = 0
    g.spec.rows.push(row)
    g.meta.push({ state: s, version, epoch: s.epoch })
  }
  return out
}
