import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StorageStaleEpoch } from './errors.js'
import { Player } from './fixtures/entities.js'
import { Storage } from './storage.js'
import { sql, type TestDatabase, testDatabase, withDatabase } from './testing/mariadb.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A storage process of its own (own data dir) on a shared database. */
async function writer(db: TestDatabase, epoch: number) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-fence-'))
  const s = new Storage({
    url: db.url,
    service: db.service,
    machineId: db.machineId,
    entities: [Player],
    dataDir,
    epoch,
    flushIntervalMs: 60_000,
  })
  await s.start()
  cleanups.push(async () => {
    await s.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return s
}

describe('owner epochs', () => {
  it('refuses the writes of a stale owner once a newer one has claimed the row', async () => {
    const db = await testDatabase('fe')
    cleanups.push(() => db.drop())
    const a = await writer(db, 1)
    const pa = a.create(Player, { id: 1n, gold: 100 })
    await a.flush()
    const b = await writer(db, 2)
    const pb = await b.load(Player, 1n)
    if (!pb) throw new Error('row missing')
    pa.gold = 1 // stale owner keeps playing
    pb.gold = 200
    const ra = await a.flush()
    expect(ra.landed).toBe(0)
    expect(StorageStaleEpoch.is(ra.rejected[0]?.error)).toBe(true)
    expect(ra.rejected[0]?.error.message).toMatch(/owner epoch 1 rejected, the row belongs to epoch 2/)
    expect(() => {
      pa.gold = 2
    }).toThrow(/epoch/)
    await b.flush()
    const rows = await sql(withDatabase(db.url, db.name), 'SELECT gold, _epoch FROM player')
    expect(rows).toEqual([{ gold: 200, _epoch: '2' }])
    await expect(a.load(Player, 1n)).rejects.toThrow(/STORAGE_STALE_EPOCH|belongs to epoch 2/)
  })

  it('lets only the current epoch survive two writers racing on one row', async () => {
    const db = await testDatabase('fr')
    cleanups.push(() => db.drop())
    const old = await writer(db, 5)
    const cur = await writer(db, 6)
    const po = old.create(Player, { id: 9n, name: 'old' })
    await old.flush()
    const pc = await cur.load(Player, 9n)
    if (!pc) throw new Error('row missing')
    let oldRejected = 0
    for (let i = 1; i <= 30; i++) {
      try {
        po.gold = i
        po.name = `old${i}`
      } catch {
        oldRejected++
      }
      pc.gold = 1000 + i
      pc.name = `cur${i}`
      // Both flush at once: the database decides, row by row.
      const [ro] = await Promise.all([old.flush(), cur.flush()])
      oldRejected += ro.rejected.length
    }
    expect(oldRejected).toBeGreaterThan(0)
    const rows = await sql(withDatabase(db.url, db.name), 'SELECT gold, name, _epoch, _version FROM player')
    expect(rows).toEqual([{ gold: 1030, name: 'cur30', _epoch: '6', _version: '31' }])
  })

  it('applies a write of a newer epoch over an older one even with a lower version', async () => {
    const db = await testDatabase('fv')
    cleanups.push(() => db.drop())
    const a = await writer(db, 1)
    const pa = a.create(Player, { id: 3n })
    for (let i = 0; i < 5; i++) {
      pa.gold = i + 1
      await a.flush()
    }
    await a.unload(pa)
    const b = await writer(db, 2)
    const pb = await b.load(Player, 3n)
    if (!pb) throw new Error('row missing')
    pb.gold = 77
    const r = await b.flush()
    expect(r.landed).toBe(1)
    expect(await sql(withDatabase(db.url, db.name), 'SELECT gold, _version, _epoch FROM player')).toEqual([
      { gold: 77, _version: '6', _epoch: '2' },
    ])
  })
})
