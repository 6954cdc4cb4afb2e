import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { rowValues } from './entity/index.js'
import { Event, Player } from './fixtures/entities.js'
import { Storage, type StorageOptions } from './storage.js'
import type { StorageAlert } from './storage-alert.js'
import { sql, type TestDatabase, testDatabase, withDatabase } from './testing/mariadb.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function open(over: Partial<StorageOptions> = {}, db?: TestDatabase) {
  const t = db ?? (await testDatabase('st'))
  if (!db) cleanups.push(() => t.drop())
  const dataDir = over.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'tessera-storage-'))
  if (!over.dataDir) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const storage = new Storage({
    url: t.url,
    service: t.service,
    machineId: t.machineId,
    entities: [Player, Event],
    dataDir,
    flushIntervalMs: 60_000,
    ...over,
  })
  await storage.start()
  cleanups.push(() => storage.stop())
  const q = <T = Record<string, unknown>[]>(s: string, p: unknown[] = []) =>
    sql<T>(withDatabase(t.url, t.name), s, p)
  return { storage, db: t, q, dataDir }
}

describe('Storage', () => {
  it('creates the database <service>_<machineId> and the tables in single-node mode', async () => {
    const { storage, db, q } = await open()
    expect(storage.database).toBe(db.name)
    const tables = await q<{ t: string }[]>(
      'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1',
    )
    expect(tables.map((r) => r.t)).toEqual(['event', 'player'])
  })

  it('writes a created row at flush with version 1 and reads it back typed', async () => {
    const { storage } = await open()
    const p = storage.create(Player, { id: 7n, name: '玩家一', gold: 10, bag: { items: [1, 2] } })
    p.level = 3
    const r = await storage.flush()
    expect(r.landed).toBe(1)
    await storage.unload(p)
    const back = await storage.load(Player, 7n)
    expect(back).toBeDefined()
    expect(rowValues(back as NonNullable<typeof back>)).toEqual({
      id: 7n,
      name: '玩家一',
      gold: 10,
      level: 3,
      vip: false,
      bag: { items: [1, 2] },
      note: null,
    })
    expect(await storage.load(Player, 8n)).toBeUndefined()
  })

  it('writes only the changed columns of dirty rows, many rows per statement', async () => {
    const { storage, q } = await open({ batchRows: 50 })
    for (let i = 1; i <= 120; i++) storage.create(Player, { id: BigInt(i), name: `p${i}` })
    await storage.flush()
    // Change a column behind the storage's back: a flush that rewrote whole
    // rows would put the old value back.
    await q("UPDATE player SET name = 'outside'")
    const before = storage.stats().queries.insert.count
    const rows = []
    for (let i = 1; i <= 120; i++) rows.push(await storage.load(Player, BigInt(i)))
    for (const r of rows) if (r) r.gold += 5
    const res = await storage.flush()
    expect(res.landed).toBe(120)
    expect(res.batches).toBe(3)
    expect(storage.stats().queries.insert.count - before).toBe(3)
    const check = await q<{ n: number }[]>(
      "SELECT COUNT(*) AS n FROM player WHERE name = 'outside' AND gold = 5 AND _version = 2",
    )
    expect(Number(check[0]?.n)).toBe(120)
  })

  it('counts dirty marks and dirty rows, and skips assignments that change nothing', async () => {
    const { storage } = await open()
    const p = storage.create(Player, { id: 1n })
    await storage.flush()
    const base = storage.stats().dirtyMarks
    p.gold = 1
    p.gold = 2
    p.level = 9
    p.level = 9
    const s = storage.stats()
    expect(s.dirtyMarks - base).toBe(3)
    expect(s.dirtyRows).toBe(1)
    await storage.flush()
    expect(storage.stats().dirtyRows).toBe(0)
  })

  it('flushes at unload and at stop', async () => {
    const { storage, q } = await open()
    const a = storage.create(Player, { id: 1n, gold: 1 })
    const b = storage.create(Player, { id: 2n, gold: 2 })
    await storage.flush()
    a.gold = 11
    b.gold = 22
    await storage.unload(a)
    expect(await q('SELECT id, gold FROM player ORDER BY id')).toEqual([
      { id: '1', gold: 11 },
      { id: '2', gold: 2 },
    ])
    await storage.stop()
    expect(await q('SELECT id, gold FROM player ORDER BY id')).toEqual([
      { id: '1', gold: 11 },
      { id: '2', gold: 22 },
    ])
  })

  it('rejects out-of-range and over-long values naming entity and field, before the database', async () => {
    const { storage } = await open()
    const p = storage.create(Player, { id: 1n })
    expect(() => {
      p.gold = 2 ** 31
    }).toThrow('storage: player.gold: 2147483648 is out of range for int [-2147483648, 2147483647]')
    expect(() => {
      p.level = -1
    }).toThrow('player.level: -1 is out of range for smallint unsigned')
    expect(() => {
      p.name = 'x'.repeat(17)
    }).toThrow('player.name: string of 17 characters is longer than varchar(16)')
    expect(() => {
      p.name = 'a\uD800b'
    }).toThrow('player.name: lone UTF-16 surrogate U+D800 at index 1 has no UTF-8 form')
    expect(() => {
      p.note = '\uDFFF'
    }).toThrow('player.note: lone UTF-16 surrogate U+DFFF at index 0')
    p.name = 'ok \u{1F600}' // a pair is fine
    expect(() => {
      p.gold = 1.5
    }).toThrow('player.gold: expected an integer')
    expect(() => storage.create(Player, { id: -1n })).toThrow(
      'player.id: -1 is out of range for bigint unsigned',
    )
    expect(() => {
      ;(p as { id: bigint }).id = 2n
    }).toThrow('storage: player.id is part of the primary key and cannot change')
    try {
      p.gold = 2 ** 40
    } catch (err) {
      expect((err as { code?: string }).code).toBe('STORAGE_BAD_VALUE')
    }
    const before = storage.stats().queries.insert.count
    expect(storage.stats().dirtyMarks).toBe(8)
    await storage.flush()
    expect(storage.stats().queries.insert.count).toBe(before + 1)
  })

  it('splits a batch on an SQL error: the bad row goes to the error dump and the log, the others land', async () => {
    const errors: unknown[] = []
    const logger = { info() {}, warn() {}, error: (o: object) => errors.push(o) }
    const alerts: StorageAlert[] = []
    const { storage, q } = await open({ logger, onAlert: (a) => alerts.push(a) })
    await q(
      "CREATE TRIGGER no_cursed BEFORE INSERT ON event FOR EACH ROW IF NEW.payload = 'cursed' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'cursed payload'; END IF",
    )
    for (let i = 0; i < 10; i++)
      storage.create(Event, { writer: 1, seq: i, payload: i === 6 ? 'cursed' : `ok${i}` })
    const r = await storage.flush()
    expect(r.landed).toBe(9)
    expect(r.errored).toBe(1)
    expect(r.failed[0]?.error.message).toMatch(/cursed payload/)
    const rows = await q<{ seq: number }[]>('SELECT seq FROM event ORDER BY seq')
    expect(rows.map((x) => x.seq)).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 9])
    const dump = readFileSync(path.join(storage.dir, 'errors.log'), 'utf8').trim().split('\n')
    expect(dump).toHaveLength(1)
    const rec = JSON.parse(dump[0] as string)
    expect(rec.table).toBe('event')
    expect(rec.error.message).toBe('cursed payload')
    expect(rec.sql).toContain("'cursed'")
    expect(errors).toHaveLength(1)
    expect(alerts).toEqual([
      {
        kind: 'sql-error',
        database: storage.database,
        table: 'event',
        message: 'cursed payload',
        file: path.join(storage.dir, 'errors.log'),
      },
    ])
    expect(storage.stats().rowsErrored).toBe(1)
  })

  it('keeps read and write counts and latency by statement class', async () => {
    const { storage } = await open()
    storage.create(Player, { id: 1n })
    await storage.flush()
    await storage.load(Player, 2n)
    const s = storage.stats().queries
    expect(s.insert.count).toBeGreaterThanOrEqual(1)
    expect(s.select.count).toBeGreaterThanOrEqual(1)
    expect(s.ddl.count).toBeGreaterThanOrEqual(2)
    expect(s.insert.minMs).toBeLessThanOrEqual(s.insert.avgMs)
    expect(s.insert.avgMs).toBeLessThanOrEqual(s.insert.maxMs)
    expect(s.select.qps).toBeGreaterThan(0)
  })

  it('raises the journal-size alert through onAlert when the journal passes alertBytes, and clears it at flush', async () => {
    const alerts: StorageAlert[] = []
    const { storage } = await open({ journal: { alertBytes: 7000 }, onAlert: (a) => alerts.push(a) })
    const p = storage.create(Player, { id: 1n })
    for (let i = 0; i < 100; i++) p.gold = i
    expect(alerts).toHaveLength(0)
    for (let i = 100; i < 200; i++) p.gold = i
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: 'journal-size',
        firing: true,
        thresholdBytes: 7000,
        database: storage.database,
      }),
    ])
    expect(storage.stats().journalBytes).toBeGreaterThan(7000)
    await storage.flush()
    expect(alerts[1]).toEqual(expect.objectContaining({ kind: 'journal-size', firing: false }))
    expect(storage.stats().journalBytes).toBe(0)
  })

  it('stop() returns one promise to every caller, and a second stop waits for the first', async () => {
    const { storage } = await open()
    storage.create(Player, { id: 3n })
    const a = storage.stop()
    const b = storage.stop()
    expect(b).toBe(a)
    await b
    expect(storage.stats().rowsLanded).toBe(1)
  })
})
