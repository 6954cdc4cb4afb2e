import type { Column, RowState } from '../entity/index.js'
import { encodeKey, encodeValue, rowId, untag } from '../entity/index.js'
import type { UpsertSpec } from '../sql/upsert.js'

/**
 * Journal record of one change (or of a whole new row): table, key, epoch,
 * the version the next flush of the row will write, then column/value
 * pairs. Values are in database form, so replay needs no entity code
 * beyond table and primary key names:
 *
 *     ["player",[{"$b":"42"}],3,7,"gold",120]
 */
export function journalRecord(s: RowState, cols: readonly number[]): string {
  const e = s.entity
  let p = `["${e.table}",${s.key},${s.epoch},${s.version + 1}`
  for (const i of cols)
    p += `,"${e.columnNames[i]}",${encodeValue((e.columnList[i] as Column).toDb(s.values[i]))}`
  return `${p}]`
}

/**
 * Journal record of a group (storage.group): the records of its rows in one
 * JSON array, so one frame with one checksum. A torn or corrupt frame drops
 * the whole group; an intact one is replayed whole, in one transaction.
 *
 *     [["player",[{"$b":"42"}],3,7,"gold",120],["player_timer",[{"$b":"42"}],3,5,"book","{…}"]]
 */
export function groupRecord(records: readonly string[]): string {
  return `[${records.join(',')}]`
}

interface Merged {
  table: string
  key: unknown[]
  epoch: number
  version: number
  cols: Map<string, unknown>
}

/**
 * Folds the records of one journal segment into one upsert row per key:
 * the latest value of each column, the highest pending version, the latest
 * epoch. Writing that row is a no-op for whatever the database already has
 * (the fence compares versions), so replay after a crash at any point is safe.
 *
 * Every change of one row version sits in one segment (a segment is sealed
 * only at a flush or at a version barrier, see Storage), so folding segment
 * by segment gives the same rows as folding the whole journal, in memory
 * bounded by one segment.
 */
export class JournalFold {
  private readonly merged = new Map<string, Merged>()
  /** Rows a group record tied together: union-find parent links by row id. */
  private readonly parent = new Map<string, string>()
  records = 0

  constructor(private readonly primaryKeys: ReadonlyMap<string, readonly string[]>) {}

  /**
   * Add one record (a row's or a group's); returns why it cannot be used,
   * or undefined. A group with one bad member is refused whole.
   */
  add(payload: string): string | undefined {
    let a: unknown
    try {
      a = decodeRecord(payload)
    } catch (err) {
      return `bad JSON: ${(err as Error).message}`
    }
    const group = Array.isArray(a) && Array.isArray(a[0])
    const recs = group ? (a as unknown[]) : [a]
    if (recs.length === 0) return 'empty group'
    for (const r of recs) {
      const bad = this.problem(r)
      if (bad) return group ? `group member: ${bad}` : bad
    }
    this.records++
    let first: string | undefined
    for (const r of recs as [string, unknown[], number, number, ...unknown[]][]) {
      const id = this.merge(r)
      if (!group) continue
      if (first === undefined) first = id
      else this.union(first, id)
    }
    return undefined
  }

  private problem(a: unknown): string | undefined {
    const bad = recordProblem(a)
    if (bad) return bad
    const r = a as [string, unknown[]]
    const table = r[0]
    if (!this.primaryKeys.has(table)) return `unknown table ${table}`
    if (r[1].length !== (this.primaryKeys.get(table) as readonly string[]).length)
      return `key ${encodeKey(r[1])} does not match the primary key of ${table}`
    return undefined
  }

  private merge(r: [string, unknown[], number, number, ...unknown[]]): string {
    const table = r[0]
    const id = rowId(table, encodeKey(r[1]))
    let m = this.merged.get(id)
    if (!m) {
      m = { table, key: r[1], epoch: 0, version: 0, cols: new Map() }
      this.merged.set(id, m)
    }
    m.epoch = r[2]
    m.version = Math.max(m.version, r[3])
    for (let i = 4; i + 1 < r.length; i += 2) m.cols.set(r[i] as string, r[i + 1])
    return id
  }

  private root(id: string): string {
    let r = id
    for (let p = this.parent.get(r); p !== undefined && p !== r; p = this.parent.get(r)) r = p
    if (r !== id) this.parent.set(id, r)
    return r
  }

  private union(a: string, b: string): void {
    const ra = this.root(a)
    const rb = this.root(b)
    if (!this.parent.has(ra)) this.parent.set(ra, ra)
    if (ra !== rb) this.parent.set(rb, ra)
  }

  /**
   * Rows that changed the same columns of a table, `batchRows` per upsert,
   * except the rows a group record tied together: those come in `groups`,
   * one list of single-row upserts per set of tied rows, each to be written
   * in one transaction.
   */
  plan(batchRows: number): { specs: UpsertSpec[]; groups: UpsertSpec[][] } {
    const loose: Merged[] = []
    const tied = new Map<string, UpsertSpec[]>()
    for (const [id, m] of this.merged) {
      if (!this.parent.has(id)) {
        loose.push(m)
        continue
      }
      const r = this.root(id)
      let g = tied.get(r)
      if (!g) {
        g = []
        tied.set(r, g)
      }
      g.push(this.upsertOf(m))
    }
    return { specs: this.batch(loose, batchRows), groups: [...tied.values()] }
  }

  /** Every row as plain batches (grouped rows included): for tests and tools. */
  specs(batchRows: number): UpsertSpec[] {
    return this.batch(this.merged.values(), batchRows)
  }

  private upsertOf(m: Merged): UpsertSpec {
    const pk = this.primaryKeys.get(m.table) as readonly string[]
    const names = [...m.cols.keys()].filter((c) => !pk.includes(c)).sort()
    return {
      table: m.table,
      primaryKey: pk,
      columns: [...pk, ...names],
      rows: [[...m.key, ...names.map((c) => m.cols.get(c)), m.version, m.epoch]],
    }
  }

  private batch(rows: Iterable<Merged>, batchRows: number): UpsertSpec[] {
    const groups = new Map<string, UpsertSpec>()
    const out: UpsertSpec[] = []
    for (const m of rows) {
      const pk = this.primaryKeys.get(m.table) as readonly string[]
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
}

function recordProblem(a: unknown): string | undefined {
  if (!Array.isArray(a) || a.length < 4 || a.length % 2 !== 0) return 'not a journal record'
  if (typeof a[0] !== 'string' || !Array.isArray(a[1])) return 'not a journal record'
  if (!Number.isSafeInteger(a[2]) || !Number.isSafeInteger(a[3])) return 'bad epoch or version'
  for (let i = 4; i < a.length; i += 2) if (typeof a[i] !== 'string') return 'bad column name'
  return undefined
}

/**
 * JSON.parse of a record, with the bigint/Buffer tags turned back only where
 * journalRecord can put them (the top-level values and the key's values: a
 * JSON column's value is a string there). Several times cheaper than a
 * reviver called on every value, and replay parses every record.
 */
function decodeRecord(payload: string): unknown {
  const a: unknown = JSON.parse(payload)
  if (!Array.isArray(a) || !payload.includes('"$')) return a
  if (Array.isArray(a[0])) {
    for (const r of a) if (Array.isArray(r)) untagRecord(r)
    return a
  }
  untagRecord(a)
  return a
}

function untagRecord(a: unknown[]): void {
  for (let i = 0; i < a.length; i++) a[i] = untag(a[i])
  const key: unknown = a[1]
  if (Array.isArray(key)) for (let i = 0; i < key.length; i++) key[i] = untag(key[i])
}
