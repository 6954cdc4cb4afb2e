import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import {
  Application,
  appConfigSchema,
  type ComponentFactory,
  createLogger,
  type ServiceContext,
} from '@tessera/kernel'
import { afterEach, describe, expect, it } from 'vitest'
import { Player } from './fixtures/entities.js'
import {
  STORAGE_COMPONENT_ID,
  type StorageComponent,
  storageComponent,
  storageConfigSchema,
  type WithStorage,
} from './storage-component.js'
import { sql, testDatabase, withDatabase } from './testing/mariadb.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const schema = appConfigSchema.extend({ storage: storageConfigSchema })
const silent = new Writable({ write: (_c, _e, cb) => cb() })

describe('storage component', () => {
  it('opens <kind>_<machineId> before dependents start and writes their changes at shutdown', async () => {
    const db = await testDatabase('sc')
    cleanups.push(() => db.drop())
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-sc-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const config = schema.parse({
      app: { machineId: db.machineId, dataDir },
      storage: { url: db.url, flushIntervalMs: 60_000 },
    })

    const game: ComponentFactory<object, ServiceContext<WithStorage>> = {
      typeId: 20_001,
      name: 'game',
      dependsOn: [STORAGE_COMPONENT_ID],
      create: (host) => ({
        startup: () => {
          const { storage } = host.get<StorageComponent>(STORAGE_COMPONENT_ID)
          const p = storage.create(Player, { id: 1n, name: 'ada', gold: 5 })
          p.gold = 99
        },
      }),
    }
    const app = new Application({
      name: 'logic',
      config,
      services: () => [{ kind: db.service, id: 1, components: [storageComponent([Player]), game] }],
      log: createLogger(config.log, {}, silent),
      exit: () => {},
    })
    await app.start()
    // The storage's figures are in the application's metrics.
    const text = await app.metrics.text()
    expect(text).toMatch(
      new RegExp(`tessera_storage_rows\\{[^}]*database="${db.name}"[^}]*figure="dirtyMarks"[^}]*\\} [1-9]`),
    )
    expect(text).toContain('tessera_storage_statements{')
    await app.stop()
    const rows = await sql<{ id: string; gold: number }[]>(
      withDatabase(db.url, db.name),
      'SELECT id, gold FROM player',
    )
    expect(rows.map((r) => [String(r.id), r.gold])).toEqual([['1', 99]])
  })

  it('refuses to start without a machine id, naming the key', async () => {
    const config = schema.parse({ storage: { url: 'mysql://root@127.0.0.1:1' } })
    const app = new Application({
      name: 'logic',
      config,
      services: () => [{ kind: 'logic', id: 1, components: [storageComponent([Player])] }],
      log: createLogger(config.log, {}, silent),
      exit: () => {},
    })
    await expect(app.start()).rejects.toThrow(/logic needs app.machineId/)
  })
})
