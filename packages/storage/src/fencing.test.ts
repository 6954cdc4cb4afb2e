import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DumpFile } from './durability/dump-file.js'
import { frame } from './durability/record-file.js'
import { StorageStaleEpoch, StorageVersionConflict } from './errors.js'
import { Player } from './fixtures/entities.js'
import { Storage } from './storage.js'
import { sql, type TestDatabase, testDatabase, withDatabase } from './testing/mariadb.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A storage process of its own (own data dir unless given) on a shared database. */
async function writer(db: TestDatabase, epoch: number, opts: { dataDir?: string; errors?: string[] } = {}) {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'tessera-fence-'))
  const s = new Storage({
    url: db.url,
    service: db.service,
    machineId: db.machineId,
    entities: [Player],
    dataDir,
    epoch,
    flushIntervalMs: 60_000,
    logger: { info() {}, warn() {}, error: (_o, m) => opts.errors?.push(m ?? '') },
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

  it('counts, logs and error-dumps a stale owner journal refused at replay, never as landed', async () => {
    const db = await testDatabase('fj')
    cleanups.push(() => db.drop())
    const staleDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-fence-'))
    cleanups.push(() => rmSync(staleDir, { recursive: true, force: true }))
    // The stale owner's last change, journaled but never flushed (as after a kill -9).
    const segment = path.join(staleDir, db.name, 'journal-00000001.log')
    mkdirSync(path.dirname(segment), { recursive: true })
    const a = await writer(db, 1)
    a.create(Player, { id: 1n, gold: 100 })
    await a.flush()
    const b = await writer(db, 2)
    const pb = await b.load(Player, 1n)
    if (!pb) throw new Error('row missing')
    pb.gold = 200
    await b.flush()
    writeFileSync(segment, frame(['["player",[{"$b":"1"}],1,2,"gold",1]']))
    const errors: string[] = []
    const again = await writer(db, 1, { dataDir: staleDir, errors })
    expect(again.replayed.journalRecords).toBe(1)
    expect(again.stats().rowsLanded).toBe(0)
    expect(again.stats().rowsRejected).toBe(1)
    expect(errors.some((m) => /refused/.test(m))).toBe(true)
    const dumped = readFileSync(path.join(again.dir, 'errors.log'), 'utf8').trim().split('\n')
    expect(dumped).toHaveLength(1)
    expect(JSON.parse(dumped[0] as string).error.code).toBe('STORAGE_STALE_EPOCH')
    expect(await sql(withDatabase(db.url, db.name), 'SELECT gold, _epoch FROM player')).toEqual([
      { gold: 200, _epoch: '2' },
    ])
  })

  it('logs the refusals of one replay in one line, however many rows (each still error-dumped)', async () => {
    const db = await testDatabase('fm')
    cleanups.push(() => db.drop())
    const staleDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-fence-'))
    cleanups.push(() => rmSync(staleDir, { recursive: true, force: true }))
    const segment = path.join(staleDir, db.name, 'journal-00000001.log')
    mkdirSync(path.dirname(segment), { recursive: true })
    const a = await writer(db, 1)
    for (let id = 1n; id <= 5n; id++) a.create(Player, { id, gold: 1 })
    await a.flush()
    // A newer owner took every row (e.g. the players logged in again after a crash).
    const b = await writer(db, 2)
    for (let id = 1n; id <= 5n; id++) {
      const p = await b.load(Player, id)
      if (!p) throw new Error('row missing')
      p.gold = 2
    }
    await b.flush()
    writeFileSync(segment, frame([1, 2, 3, 4, 5].map((id) => `["player",[{"$b":"${id}"}],1,2,"gold",9]`)))
    const errors: string[] = []
    const again = await writer(db, 1, { dataDir: staleDir, errors })
    expect(again.stats().rowsRejected).toBe(5)
    expect(errors.filter((m) => /refused/.test(m))).toHaveLength(1)
    const dumped = readFileSync(path.join(again.dir, 'errors.log'), 'utf8').trim().split('\n')
    expect(dumped).toHaveLength(5)
  })

  it('counts a stale owner dump file refused at replay as rejected', async () => {
    const db = await testDatabase('fd')
    cleanups.push(() => db.drop())
    const staleDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-fence-'))
    cleanups.push(() => rmSync(staleDir, { recursive: true, force: true }))
    const b = await writer(db, 2)
    b.create(Player, { id: 4n, gold: 40 })
    await b.flush()
    mkdirSync(path.join(staleDir, db.name), { recursive: true })
    const dump = new DumpFile(path.join(staleDir, db.name, 'dump.log'))
    dump.append({ table: 'player', primaryKey: ['id'], columns: ['id', 'gold'], rows: [[4n, 1, 9, 1]] }, 0)
    await dump.close()
    const again = await writer(db, 1, { dataDir: staleDir })
    expect(again.replayed.dumpRecords).toBe(1)
    expect(again.stats()).toMatchObject({ rowsLanded: 0, rowsRejected: 1, dumpPending: 0 })
    expect(await sql(withDatabase(db.url, db.name), 'SELECT gold FROM player')).toEqual([{ gold: 40 }])
  })

  it('reports STORAGE_VERSION_CONFLICT, not landed, when another writer of the same epoch holds the same version', async () => {
    const db = await testDatabase('fc')
    cleanups.push(() => db.drop())
    const a = await writer(db, 0)
    const b = await writer(db, 0)
    a.create(Player, { id: 8n, gold: 1 })
    await a.flush()
    const pa = await a.load(Player, 8n)
    const pb = await b.load(Player, 8n)
    if (!pa || !pb) throw new Error('row missing')
    pa.gold = 10
    pb.gold = 20
    expect((await b.flush()).landed).toBe(1)
    // Same epoch, same next version (2): the fence keeps b's row.
    const r = await a.flush()
    expect(r.landed).toBe(0)
    expect(StorageVersionConflict.is(r.rejected[0]?.error)).toBe(true)
    expect(a.stats().rowsRejected).toBe(1)
    expect(await sql(withDatabase(db.url, db.name), 'SELECT gold, _version FROM player')).toEqual([
      { gold: 20, _version: '2' },
    ])
  })

  it('still reports landed for a replay of what the database already holds, and a same-version difference as a conflict', async () => {
    const db = await testDatabase('fl')
    cleanups.push(() => db.drop())
    const a = await writer(db, 0)
    a.create(Player, { id: 2n, gold: 5, name: 'Ann' })
    await a.flush()
    /** A fresh data dir holding one journal segment with this record. */
    const journalDir = (record: string) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-fence-'))
      mkdirSync(path.join(dir, db.name))
      writeFileSync(path.join(dir, db.name, 'journal-00000001.log'), frame([record]))
      return dir
    }
    // A journal whose flush landed but was not deleted (kill -9 in between): version 1 again, same values.
    const again = await writer(db, 0, {
      dataDir: journalDir('["player",[{"$b":"2"}],0,1,"gold",5,"name","Ann"]'),
    })
    expect(again.stats()).toMatchObject({ rowsLanded: 1, rowsRejected: 0 })
    // Same version, a value differing only in case: a conflict, not "landed" (the collation calls them equal).
    const third = await writer(db, 0, {
      dataDir: journalDir('["player",[{"$b":"2"}],0,1,"gold",5,"name","ann"]'),
    })
    expect(third.stats()).toMatchObject({ rowsLanded: 0, rowsRejected: 1 })
  })

  it('finds a refused row even when an unexpected update makes the affected-rows sum look right', async () => {
    const db = await testDatabase('fs')
    cleanups.push(() => db.drop())
    const a = await writer(db, 0)
    const q = (s: string) => sql(withDatabase(db.url, db.name), s)
    // Rows another writer put there first: 10 at version 0 (our insert updates it: 2, not 1),
    // 11 at version 1 (our version 1 is refused: 0). Sum 2 = the 1 + 1 two inserts predict.
    await q(
      "INSERT INTO player (id, name, _version, _epoch) VALUES (10, 'theirs', 0, 0), (11, 'theirs', 1, 0)",
    )
    a.create(Player, { id: 10n, name: 'ours' })
    a.create(Player, { id: 11n, name: 'ours' })
    const r = await a.flush()
    expect(r.landed).toBe(1)
    expect(r.rejected).toHaveLength(1)
    expect(StorageVersionConflict.is(r.rejected[0]?.error)).toBe(true)
    expect(await q('SELECT id, name FROM player ORDER BY id')).toEqual([
      { id: '10', name: 'ours' },
      { id: '11', name: 'theirs' },
    ])
  })
})
