import { StorageBadValue } from '../errors.js'
import type { Column } from './column.js'
import type { Columns, Entity } from './define-entity.js'

/**
 * A primary key as the caller gives it (a value, or an array for a
 * composite key), checked against its columns and turned into database form.
 */
export function keyToDb(entity: Entity<Columns>, key: unknown): unknown[] {
  const values = entity.primaryKey.length === 1 ? [key] : (key as unknown[])
  if (!Array.isArray(values) || values.length !== entity.primaryKey.length)
    throw new StorageBadValue(entity.name, entity.primaryKey.join(','), 'key does not match the primary key')
  return entity.pkIndexes.map((ci, i) => {
    const c = entity.columnList[ci] as Column
    const bad = c.check(values[i])
    if (bad !== undefined) throw new StorageBadValue(entity.name, entity.columnNames[ci] as string, bad)
    return c.toDb(values[i])
  })
}
