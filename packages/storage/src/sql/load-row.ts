import type { RowDataPacket } from 'mysql2/promise'
import type { DbClient } from '../db/db-client.js'
import type { Columns, Entity } from '../entity/index.js'
import { EPOCH_COLUMN, encodeKey, VERSION_COLUMN } from '../entity/index.js'
import { StorageStaleEpoch } from '../errors.js'
import { keyInSql, q } from './upsert.js'

/**
 * Read one row by primary key (database-form values) for owner `epoch`.
 * With an epoch > 0, first claims the row for it in one atomic UPDATE, so
 * writes of any older owner are refused from then on; throws
 * STORAGE_STALE_EPOCH when a newer owner already holds it.
 */
export async function loadRow(
  db: DbClient,
  entity: Entity<Columns>,
  keyDb: unknown[],
  epoch: number,
  deadlineMs?: number,
): Promise<object | undefined> {
  const where = keyInSql(entity.primaryKey, [keyDb])
  if (epoch > 0) {
    await db.query(
      `UPDATE ${q(entity.table)} SET ${q(EPOCH_COLUMN)} = ? WHERE ${where.sql} AND ${q(EPOCH_COLUMN)} < ?`,
      [epoch, ...where.params, epoch],
      true,
      deadlineMs,
    )
  }
  const cols = [...entity.columnNames, VERSION_COLUMN, EPOCH_COLUMN].map(q).join(',')
  const rows = await db.query<RowDataPacket[]>(
    `SELECT ${cols} FROM ${q(entity.table)} WHERE ${where.sql}`,
    where.params,
    true,
    deadlineMs,
  )
  const raw = rows[0]
  if (!raw) return undefined
  const rowEpoch = Number(raw[EPOCH_COLUMN])
  if (rowEpoch > epoch) throw new StorageStaleEpoch(entity.name, encodeKey(keyDb), epoch, rowEpoch)
  return entity.fromDb(raw, Number(raw[VERSION_COLUMN]), epoch)
}
