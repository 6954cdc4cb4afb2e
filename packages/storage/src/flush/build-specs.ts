import type { Column, RowState } from '../entity/index.js'
import { decodeValue } from '../entity/index.js'
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

/**
 * Journal payload of one change (or of a whole new row): table, key,
 * epoch, the version the next flush will write, then column/value pairs.
 * Values are in database form, so replay needs no entity code beyond names.
 */
export function journalPayload(s: RowState, cols: readonly number[], encode: (v: unknown) => string): string {
  const e = s.entity
  let p = `["${e.table}",${s.key},${s.epoch},${s.version + 1}`
  for (const i of cols) p += `,"${e.columnNames[i]}",${encode((e.columnList[i] as Column).toDb(s.values[i]))}`
  return `${p}]`
}

interface Merged {
  table: string
  key: unknown[]
  epoch: number
  version: number
  cols: Map<string, unknown>
}

/**
 * Fold journal records into one upsert row per key: the latest value of each
 * column, the highest pending version, the latest epoch. Writing that row
 * is a no-op for whatever the database already has (the fence compares
 * versions), so replay after a crash at any point is safe.
 */
export function planJournalReplay(
  records: readonly string[],
  primaryKeys: ReadonlyMap<string, readonly string[]>,
  batchRows: number,
  onUnknown: (record: string) => void,
): UpsertSpec[] {
  const merged = new Map<string, Merged>()
  for (const r of records) {
    const a = decodeValue(r) as unknown[]
    const table = a[0] as string
    if (!primaryKeys.has(table)) {
      onUnknown(r)
      continue
    }
    const id = `${table}\u0000${JSON.stringify(a[1], (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`
    let m = merged.get(id)
    if (!m) {
      m = { table, key: a[1] as unknown[], epoch: 0, version: 0, cols: new Map() }
      merged.set(id, m)
    }
    m.epoch = a[2] as number
    m.version = Math.max(m.version, a[3] as number)
    for (let i = 4; i + 1 < a.length; i += 2) m.cols.set(a[i] as string, a[i + 1])
  }
  const groups = new Map<string, UpsertSpec>()
  const out: UpsertSpec[] = []
  for (const m of merged.values()) {
    const pk = primaryKeys.get(m.table) as readonly string[]
    const names = [...m.cols.keys()].filter((c) => !pk.includes(c)).sort()
    const sig = `${m.table}\u0000${names.join(',')}`
    let spec = groups.get(sig)
    if (!spec || spec.rows.length >= batchRows) {
      spec = { table: m.table, primaryKey: pk, columns: [...pk, ...names], rows: [] }
      groups.set(sig, spec)
      out.push(spec)
    }
    spec.rows.push([...m.key, ...names.map((c) => m.cols.get(c)), m.version, m.epoch])
  }
  return out
}
