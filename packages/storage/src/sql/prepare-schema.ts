import type { RowDataPacket } from 'mysql2/promise'
import type { DbClient } from '../db/db-client.js'
import type { Columns, Entity } from '../entity/index.js'
import { StorageSchemaMismatch } from '../errors.js'
import type { StorageLogger } from '../logger.js'
import {
  createTableSql,
  LIVE_COLUMNS_SQL,
  type LiveColumn,
  migrationSql,
  schemaProblems,
  toLiveColumns,
} from './schema.js'

/**
 * Single-node mode: create missing tables and add missing columns.
 * Cluster mode: verify only, and fail start-up with the list of differences
 * (the migration script applies them, once, before the processes start).
 */
export async function prepareSchema(
  db: DbClient,
  entities: readonly Entity<Columns>[],
  create: boolean,
  logger: StorageLogger,
): Promise<void> {
  if (create) {
    for (const e of entities) await db.query(createTableSql(e))
    const live = toLiveColumns(await db.query<RowDataPacket[]>(LIVE_COLUMNS_SQL, [db.database]))
    for (const sql of migrationSql(entities, live)) {
      logger.info({ sql }, 'storage: schema change')
      await db.query(sql)
    }
  }
  let live: LiveColumn[]
  try {
    live = toLiveColumns(await db.query<RowDataPacket[]>(LIVE_COLUMNS_SQL, [db.database]))
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_BAD_DB_ERROR')
      throw StorageSchemaMismatch.with({ cause: err }, db.database, 'the database does not exist')
    throw err
  }
  const problems = schemaProblems(entities, live)
  if (problems.length > 0) throw new StorageSchemaMismatch(db.database, problems.join('; '))
}

/** What the migration script runs: the statements that bring the live schema up to the entities. */
export async function migrate(db: DbClient, entities: readonly Entity<Columns>[]): Promise<string[]> {
  await db.query(`CREATE DATABASE IF NOT EXISTS \`${db.database}\``)
  const live = toLiveColumns(await db.query<RowDataPacket[]>(LIVE_COLUMNS_SQL, [db.database]))
  const done: string[] = []
  for (const sql of migrationSql(entities, live)) {
    await db.query(sql)
    done.push(sql)
  }
  return done
}
