import type { Column, Columns, Entity } from '../entity/index.js'
import { EPOCH_COLUMN, VERSION_COLUMN } from '../entity/index.js'
import { StorageBadConfig } from '../errors.js'
import { q } from './upsert.js'

const DB_IDENT = /^[A-Za-z0-9_]{1,64}$/

/** One database per logic process: `<service>_<machineId>`. */
export function databaseName(service: string, machineId: number | string): string {
  const name = `${service}_${machineId}`
  if (!DB_IDENT.test(name))
    throw new StorageBadConfig(`database name ${JSON.stringify(name)} must match ${DB_IDENT}`)
  return name
}

export function createDatabaseSql(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${q(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`
}

function columnSql(name: string, c: Column): string {
  return `${q(name)} ${c.sqlType}`
}

export function createTableSql(entity: Entity<Columns>): string {
  const defs = entity.columnNames.map((n, i) => columnSql(n, entity.columnList[i] as Column))
  defs.push(`${q(VERSION_COLUMN)} BIGINT UNSIGNED NOT NULL DEFAULT 0`)
  defs.push(`${q(EPOCH_COLUMN)} BIGINT UNSIGNED NOT NULL DEFAULT 0`)
  defs.push(`PRIMARY KEY (${entity.primaryKey.map(q).join(',')})`)
  return `CREATE TABLE IF NOT EXISTS ${q(entity.table)} (\n  ${defs.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`
}

export interface LiveColumn {
  table: string
  column: string
  columnType: string
  nullable: boolean
  key: string
}

export const LIVE_COLUMNS_SQL =
  'SELECT TABLE_NAME AS tbl, COLUMN_NAME AS col, COLUMN_TYPE AS ctype, IS_NULLABLE AS nul, COLUMN_KEY AS ckey FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION'

export function toLiveColumns(rows: Record<string, unknown>[]): LiveColumn[] {
  return rows.map((r) => ({
    table: String(r.tbl),
    column: String(r.col),
    columnType: String(r.ctype).toLowerCase(),
    nullable: r.nul === 'YES',
    key: String(r.ckey),
  }))
}

/** `INT UNSIGNED NOT NULL DEFAULT 0` → `int unsigned`, comparable with COLUMN_TYPE. */
function expectedType(c: Column): string {
  const base = c.sqlType.replace(/\s+(NOT NULL|NULL).*$/i, '').toLowerCase()
  // MariaDB 10.11 reports int widths (`int(11)`); compare without them, except tinyint(1).
  return base
}

function normaliseLive(t: string): string {
  if (t === 'tinyint(1)') return t
  return t.replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/, '$1')
}

/**
 * Differences between the entities and the live schema, in words. Empty when
 * they match. Extra live columns are allowed (a newer build may have added them).
 */
export function schemaProblems(entities: readonly Entity<Columns>[], live: readonly LiveColumn[]): string[] {
  const problems: string[] = []
  for (const e of entities) {
    const cols = live.filter((l) => l.table === e.table)
    if (cols.length === 0) {
      problems.push(`table ${e.table} is missing`)
      continue
    }
    const want: [string, string, boolean][] = e.columnNames.map((n, i) => {
      const c = e.columnList[i] as Column
      return [n, expectedType(c), c.nullable]
    })
    want.push([VERSION_COLUMN, 'bigint unsigned', false], [EPOCH_COLUMN, 'bigint unsigned', false])
    for (const [name, type, nullable] of want) {
      const l = cols.find((x) => x.column === name)
      if (!l) problems.push(`${e.table}.${name} is missing`)
      else if (normaliseLive(l.columnType) !== type)
        problems.push(`${e.table}.${name} is ${l.columnType}, expected ${type}`)
      else if (l.nullable !== nullable) problems.push(`${e.table}.${name} nullability differs`)
    }
    const livePk = cols.filter((x) => x.key === 'PRI').map((x) => x.column)
    if (livePk.join(',') !== e.primaryKey.join(','))
      problems.push(`${e.table} primary key is (${livePk}) not (${e.primaryKey})`)
  }
  return problems
}

/**
 * Statements that bring the live schema up to the entities: CREATE TABLE for
 * missing tables, ADD COLUMN for missing columns. It never drops or retypes a
 * column; those need a hand-written migration.
 */
export function migrationSql(entities: readonly Entity<Columns>[], live: readonly LiveColumn[]): string[] {
  const out: string[] = []
  for (const e of entities) {
    const cols = live.filter((l) => l.table === e.table)
    if (cols.length === 0) {
      out.push(createTableSql(e))
      continue
    }
    e.columnNames.forEach((n, i) => {
      if (!cols.some((c) => c.column === n))
        out.push(`ALTER TABLE ${q(e.table)} ADD COLUMN ${columnSql(n, e.columnList[i] as Column)}`)
    })
    for (const hidden of [VERSION_COLUMN, EPOCH_COLUMN]) {
      if (!cols.some((c) => c.column === hidden))
        out.push(`ALTER TABLE ${q(e.table)} ADD COLUMN ${q(hidden)} BIGINT UNSIGNED NOT NULL DEFAULT 0`)
    }
  }
  return out
}
