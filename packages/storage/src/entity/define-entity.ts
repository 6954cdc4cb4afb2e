import { StorageBadEntity, StorageBadValue, StoragePrimaryKeyImmutable } from '../errors.js'
import type { Column, ValueOf } from './column.js'
import { encodeKey } from './key-codec.js'
import { rowId } from './row-id.js'

export type Columns = Record<string, Column<unknown>>

/** Hidden per-row bookkeeping columns every table carries. */
export const VERSION_COLUMN = '_version'
export const EPOCH_COLUMN = '_epoch'

const IDENT = /^[a-z][a-z0-9_]{0,62}$/

/** Receives every change a row makes while it is tracked by a storage. */
export interface ChangeSink {
  /**
   * Called after the change. `old` and `wasDirty` (the value and dirty flag
   * before it) let a storage.group() put the row back when its body throws.
   */
  onChange(state: RowState, col: number, value: unknown, old: unknown, wasDirty: boolean): void
}

/**
 * What the storage knows about one row. Kept behind a symbol so a row object
 * shows only its declared fields.
 */
export interface RowState {
  readonly entity: Entity<Columns>
  readonly values: unknown[]
  /** 1 where the column changed since the last flush took it. */
  readonly dirty: Uint8Array
  dirtyCount: number
  /** Version of the last write issued for this row (0 = never written). */
  version: number
  /** Owner epoch this process writes the row with. */
  epoch: number
  /** Primary key values, encoded once (journal and dump records carry it). */
  readonly key: string
  /** {@link rowId} of the row: table and key. */
  readonly id: string
  /** The row is known to exist in the database. */
  persisted: boolean
  /** Set once the database refused our epoch: the row is no longer ours. */
  fenced: Error | undefined
  sink: ChangeSink | undefined
}

export const ROW_STATE: unique symbol = Symbol('tessera.storage.row')

export type RowOf<E> = E extends Entity<infer C> ? Row<C> : never
export type Row<C extends Columns> = { -readonly [K in keyof C]: ValueOf<C[K]> } & {
  readonly [ROW_STATE]: RowState
}
export type RowInit<C extends Columns> = { [K in keyof C]?: ValueOf<C[K]> }

export interface EntityOptions<C extends Columns> {
  /** Table name; defaults to the entity name. */
  table?: string
  columns: C
  primaryKey: readonly (keyof C & string)[]
}

/** A declared entity: table, typed columns, primary key. */
export interface Entity<C extends Columns> {
  readonly name: string
  readonly table: string
  readonly columns: C
  readonly columnNames: readonly string[]
  readonly columnList: readonly Column[]
  readonly primaryKey: readonly string[]
  readonly pkIndexes: readonly number[]
  readonly isPk: readonly boolean[]
  /**
   * A new row (every column dirty), not yet tracked by any storage. Checks
   * each value and throws STORAGE_BAD_VALUE naming the field.
   */
  build(init: RowInit<C>, epoch?: number): Row<C>
  /** A row as read from the database: nothing dirty. */
  fromDb(raw: Record<string, unknown>, version: number, epoch: number): Row<C>
}

/**
 * Declare an entity.
 *
 * ```ts
 * export const Player = defineEntity('player', {
 *   columns: { id: col.bigint({ unsigned: true }), name: col.varchar(32), gold: col.int() },
 *   primaryKey: ['id'],
 * })
 * ```
 */
export function defineEntity<C extends Columns>(name: string, opts: EntityOptions<C>): Entity<C> {
  const table = opts.table ?? name
  if (!IDENT.test(table))
    throw new StorageBadEntity(name, `table name ${JSON.stringify(table)} must match ${IDENT}`)
  const columnNames = Object.keys(opts.columns)
  if (columnNames.length === 0) throw new StorageBadEntity(name, 'no columns')
  for (const c of columnNames) {
    if (!IDENT.test(c))
      throw new StorageBadEntity(name, `column name ${JSON.stringify(c)} must match ${IDENT}`)
  }
  if (opts.primaryKey.length === 0) throw new StorageBadEntity(name, 'no primary key')
  const pkIndexes = opts.primaryKey.map((k) => {
    const i = columnNames.indexOf(k)
    if (i < 0) throw new StorageBadEntity(name, `primary key column ${k} is not declared`)
    const c = opts.columns[k] as Column
    if (c.nullable || c.kind === 'json' || c.kind === 'text' || c.kind === 'blob')
      throw new StorageBadEntity(name, `primary key column ${k} must be a non-null integer or varchar`)
    return i
  })
  const columnList = columnNames.map((c) => opts.columns[c] as Column)
  const isPk = columnNames.map((_c, i) => pkIndexes.includes(i))

  // One class per entity with an accessor per column on its prototype:
  // cheaper than a Proxy and keeps `row.gold += 1` natural.
  class EntityRow {
    declare readonly [ROW_STATE]: RowState
    constructor(state: RowState) {
      // Non-enumerable: a row shows (and logs) as its declared fields only.
      Object.defineProperty(this, ROW_STATE, { value: state, enumerable: false })
    }
  }
  Object.defineProperty(EntityRow, 'name', { value: `${name}Row` })
  columnNames.forEach((field, i) => {
    const column = columnList[i] as Column
    Object.defineProperty(EntityRow.prototype, field, {
      enumerable: true,
      get(this: EntityRow) {
        return this[ROW_STATE].values[i]
      },
      set(this: EntityRow, value: unknown) {
        const s = this[ROW_STATE]
        if (isPk[i]) throw new StoragePrimaryKeyImmutable(name, field)
        if (s.fenced) throw s.fenced
        const bad = column.check(value)
        if (bad !== undefined) throw new StorageBadValue(name, field, bad)
        const old = s.values[i]
        if (old === value && (typeof value !== 'object' || value === null)) return
        s.values[i] = value
        const wasDirty = s.dirty[i] === 1
        if (!wasDirty) {
          s.dirty[i] = 1
          s.dirtyCount++
        }
        s.sink?.onChange(s, i, value, old, wasDirty)
      },
    })
  })

  const entity: Entity<C> = {
    name,
    table,
    columns: opts.columns,
    columnNames,
    columnList,
    primaryKey: opts.primaryKey,
    pkIndexes,
    isPk,
    build(init, epoch = 0) {
      const values = columnNames.map((field, i) => {
        const column = columnList[i] as Column
        const v = (init as Record<string, unknown>)[field]
        if (v === undefined && isPk[i]) throw new StorageBadValue(name, field, 'primary key value missing')
        const value = v === undefined ? column.initial() : v
        const bad = column.check(value)
        if (bad !== undefined) throw new StorageBadValue(name, field, bad)
        return value
      })
      const state = makeState(entity as unknown as Entity<Columns>, values, epoch, 0, false)
      state.dirty.fill(1)
      state.dirtyCount = columnNames.length
      return new EntityRow(state) as unknown as Row<C>
    },
    fromDb(raw, version, epoch) {
      const values = columnNames.map((field, i) => (columnList[i] as Column).fromDb(raw[field]))
      return new EntityRow(
        makeState(entity as unknown as Entity<Columns>, values, epoch, version, true),
      ) as unknown as Row<C>
    },
  }
  return entity
}

function makeState(
  entity: Entity<Columns>,
  values: unknown[],
  epoch: number,
  version: number,
  persisted: boolean,
): RowState {
  const key = encodeKey(entity.pkIndexes.map((i) => entity.columnList[i]?.toDb(values[i])))
  return {
    entity,
    values,
    dirty: new Uint8Array(values.length),
    dirtyCount: 0,
    version,
    epoch,
    key,
    id: rowId(entity.table, key),
    persisted,
    fenced: undefined,
    sink: undefined,
  }
}

/** The bookkeeping behind a row object. */
export function rowState(row: object): RowState {
  const s = (row as { [ROW_STATE]?: RowState })[ROW_STATE]
  if (!s) throw new TypeError('not a storage row')
  return s
}

/** The row's field values as a plain object (for logs, tests, snapshots). */
export function rowValues<C extends Columns>(row: Row<C>): { [K in keyof C]: ValueOf<C[K]> } {
  const s = rowState(row)
  const out: Record<string, unknown> = {}
  s.entity.columnNames.forEach((c, i) => {
    out[c] = s.values[i]
  })
  return out as { [K in keyof C]: ValueOf<C[K]> }
}

/**
 * Mark a column dirty without assigning (after mutating a JSON value in
 * place).
 */
export function touch<C extends Columns>(row: Row<C>, field: keyof C & string): void {
  const s = rowState(row)
  const i = s.entity.columnNames.indexOf(field)
  if (i < 0) throw new StorageBadValue(s.entity.name, field, 'no such field')
  const value = s.values[i]
  const bad = (s.entity.columnList[i] as Column).check(value)
  if (bad !== undefined) throw new StorageBadValue(s.entity.name, field, bad)
  if (s.fenced) throw s.fenced
  const wasDirty = s.dirty[i] === 1
  if (!wasDirty) {
    s.dirty[i] = 1
    s.dirtyCount++
  }
  s.sink?.onChange(s, i, value, value, wasDirty)
}
