import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { runMigrate } from '../cli/migrate.js'
import { Event, Player } from '../fixtures/entities.js'
import { Storage } from '../storage.js'
import { sql, testDatabase, withDatabase } from '../testing/mariadb.js'
import { createTableSql, databaseName } from './schema.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
const fixtures = fileURLToPath(new URL('../fixtures/entities.ts', import.meta.url))

describe('schema', () => {
  it('names the database <service>_<machineId> and refuses unsafe names', () => {
    expect(databaseName('logic', 12)).toBe('logic_12')
    expect(() => databaseName('lo-gic', 1)).toThrow(/STORAGE_BAD_CONFIG|must match/)
  })

  it('declares typed columns, the hidden version and epoch, and the primary key', () => {
    expect(createTableSql(Event as never)).toBe(
      "CREATE TABLE IF NOT EXISTS `event` (\n  `writer` INT UNSIGNED NOT NULL DEFAULT 0,\n  `seq` INT UNSIGNED NOT NULL DEFAULT 0,\n  `payload` VARCHAR(64) NOT NULL DEFAULT '',\n  `_version` BIGINT UNSIGNED NOT NULL DEFAULT 0,\n  `_epoch` BIGINT UNSIGNED NOT NULL DEFAULT 0,\n  PRIMARY KEY (`writer`,`seq`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
    )
  })

  it('only verifies in cluster mode; the migration script creates, then start-up passes', async () => {
    const db = await testDatabase('sc')
    cleanups.push(() => db.drop())
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-schema-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const opts = {
      url: db.url,
      service: db.service,
      machineId: db.machineId,
      dataDir,
      entities: [Player, Event],
      mode: 'cluster' as const,
    }
    await expect(new Storage(opts).start()).rejects.toThrow(/database does not exist/)
    const lines: string[] = []
    const args = ['--url', db.url, '--service', db.service, '--machine-id', '1', '--entities', fixtures]
    await runMigrate(args, (l) => lines.push(l))
    expect(lines.at(-1)).toMatch(/2 statement\(s\)/)
    const s = new Storage(opts)
    await s.start()
    await s.stop()
    // A column added to an entity: cluster start refuses, naming it; the migration adds it.
    await sql(withDatabase(db.url, db.name), 'ALTER TABLE player DROP COLUMN note')
    await expect(new Storage(opts).start()).rejects.toThrow(/player\.note is missing/)
    expect(await runMigrate([...args, '--dry-run'], () => {})).toEqual([
      'ALTER TABLE `player` ADD COLUMN `note` TEXT NULL DEFAULT NULL',
    ])
    await runMigrate(args, () => {})
    const again = new Storage(opts)
    await again.start()
    await again.stop()
  })

  it('adds missing columns itself in single-node mode', async () => {
    const db = await testDatabase('sa')
    cleanups.push(() => db.drop())
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-schema-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const opts = { url: db.url, service: db.service, machineId: db.machineId, dataDir, entities: [Player] }
    const s = new Storage(opts)
    await s.start()
    await s.stop()
    await sql(withDatabase(db.url, db.name), 'ALTER TABLE player DROP COLUMN vip')
    const s2 = new Storage(opts)
    await s2.start()
    await s2.stop()
    const cols = await sql<{ c: string }[]>(
      withDatabase(db.url, db.name),
      "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'player' AND COLUMN_NAME = 'vip'",
    )
    expect(cols).toHaveLength(1)
  })
})
