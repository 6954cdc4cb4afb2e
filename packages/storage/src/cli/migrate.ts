#!/usr/bin/env node
// Cluster schema migration: brings `<service>_<machineId>` up to the entity
// declarations (CREATE DATABASE/TABLE, ADD COLUMN; never drops). Run once per
// database before starting processes in cluster mode, which only verify.
//
//   pnpm tessera packages/storage/src/cli/migrate.ts --url mysql://root@127.0.0.1:3306 \
//     --service logic --machine-id 3 --entities services/logic/src/entities.ts [--dry-run]
//
// --entities is a module whose exports include the entities (every export
// that looks like an entity is taken).
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { DbClient } from '../db/db-client.js'
import { QueryMetrics } from '../db/query-metrics.js'
import type { Columns, Entity } from '../entity/index.js'
import type { StorageLogger } from '../logger.js'
import { migrate } from '../sql/prepare-schema.js'
import { databaseName, LIVE_COLUMNS_SQL, migrationSql, toLiveColumns } from '../sql/schema.js'

function isEntity(x: unknown): x is Entity<Columns> {
  const e = x as Partial<Entity<Columns>> | null
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.table === 'string' &&
    Array.isArray(e.primaryKey) &&
    typeof e.build === 'function'
  )
}

export async function loadEntities(modulePath: string): Promise<Entity<Columns>[]> {
  const mod = (await import(pathToFileURL(path.resolve(modulePath)).href)) as Record<string, unknown>
  return Object.values(mod).filter(isEntity)
}

export async function runMigrate(
  argv: string[],
  out: (line: string) => void = console.log,
): Promise<string[]> {
  const args = await yargs(argv)
    .option('url', { type: 'string', demandOption: true, default: process.env.MYSQL_URL })
    .option('service', { type: 'string', demandOption: true })
    .option('machine-id', { type: 'string', demandOption: true })
    .option('entities', { type: 'string', demandOption: true, describe: 'module exporting the entities' })
    .option('dry-run', { type: 'boolean', default: false })
    .strict()
    .parseAsync()
  const entities = await loadEntities(args.entities)
  if (entities.length === 0) throw new Error(`no entities exported by ${args.entities}`)
  const database = databaseName(args.service, args['machine-id'])
  const logger: StorageLogger = { info() {}, warn() {}, error() {} }
  const db = await DbClient.open(
    { url: args.url as string, database, createDatabase: !args['dry-run'], pingIntervalMs: 0 },
    new QueryMetrics(),
    logger,
  ).catch((err: unknown) => {
    if (args['dry-run'])
      throw new Error(`database ${database} does not exist; it would be created`, { cause: err })
    throw err
  })
  try {
    if (args['dry-run']) {
      const live = toLiveColumns(await db.query(LIVE_COLUMNS_SQL, [database]))
      const pending = migrationSql(entities, live)
      for (const s of pending) out(`would run: ${s}`)
      return pending
    }
    const done = await migrate(db, entities)
    for (const s of done) out(`ran: ${s}`)
    out(`${database}: ${done.length} statement(s), schema matches ${entities.length} entities`)
    return done
  } finally {
    await db.close()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runMigrate(hideBin(process.argv)).catch((err: unknown) => {
    console.error((err as Error).message)
    process.exit(1)
  })
}
