import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { DumpFile } from './durability/dump-file.js'
import { groupRecord, JournalFold } from './durability/journal-record.js'
import { readFrames } from './durability/record-reader.js'
import { rowValues } from './entity/index.js'
import { StorageGroupRefused, StorageStaleEpoch } from './errors.js'
import { Player } from './fixtures/entities.js'
import { Quest } from './fixtures/quest-entity.js'
import { Storage, type StorageOptions } from './storage.js'
import { sql, type TestDatabase, testDatabase, withDatabase } from './testing/mariadb.js'
import { TcpProxy } from './testing/tcp-proxy.js'

// storage.group(): changes to rows of one owner reach the journal as one
// record and the database in one transaction, all or nothing.

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tessera-group-'))
  cleanups.push(() => rmSync(d, { recursive: true, force: true }))
  return d
}

async function database(): Promise<TestDatabase> {
  const db = await testDatabase('gr')
  cleanups.push(() => db.drop())
  return db
}

function options(db: TestDatabase, dataDir: string, epoch = 1, errors: string[] = []): StorageOptions {
  return {
    url: db.url,
    service: db.service,
    machineId: db.machineId,
    entities: [Player, Quest],
    dataDir,
    epoch,
    flushIntervalMs: 600_000,
    logger: { info() {}, warn() {}, error: (_o, m) => errors.push(m ?? '') },
  }
}

async function started(opts: StorageOptions, stop = true): Promise<Storage> {
  const s = new Storage(opts)
  await s.start()
  if (stop) cleanups.push(() => s.stop())
  return s
}

const q = <T>(db: TestDatabase, statement: string, params: unknown[] = []) =>
  sql<T>(withDatabase(db.url, db.name), statement, params)

interface DbState {
  gold: number
  pending: string
  pv: string
  qv: string
}

async function dbState(db: TestDatabase): Promise<DbState> {
  const [p] = await q<{ gold: number; _version: string }[]>(
    db,
    'SELECT gold, _version FROM player WHERE id = 1',
  )
  const [t] = await q<{ pending: string; _version: string }[]>(
    db,
    'SELECT pending, _version FROM quest WHERE id = 1',
  )
  return {
    gold: p?.gold ?? -1,
    pending: String(t?.pending),
    pv: String(p?._version),
    qv: String(t?._version),
  }
}

/** Player 1 (gold 10) and quest 1 (pending [7]), created and flushed (version 1). */
async function pair(s: Storage) {
  const p = s.create(Player, { id: 1n, name: 'p1', gold: 10 })
  const t = s.create(Quest, { id: 1n, pending: [7], note: 'n' })
  await s.flush()
  return { p, t }
}

/** The journal segments of a storage's data dir, by name. */
function journalFiles(s: Storage): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const f of readdirSync(s.dir).filter((n) => n.startsWith('journal-')))
    out.set(f, readFileSync(path.join(s.dir, f)))
  return out
}

/**
 * Player 1 (gold 10) and quest 1 (pending [7]) in the database at version 1;
 * then a group that fires "timer 7": pending [] and gold + 100. Returns the
 * journal bytes the group left (the storage is then stopped cleanly).
 */
async function groupJournal(db: TestDatabase): Promise<Buffer> {
  const s = await started(options(db, tempDir()), false)
  const p = s.create(Player, { id: 1n, name: 'p1', gold: 10 })
  const t = s.create(Quest, { id: 1n, pending: [7], note: 'n' })
  await s.flush()
  s.group(() => {
    p.gold += 100
    t.pending = []
  })
  const files = [...journalFiles(s).values()].filter((b) => b.length > 0)
  await s.stop()
  expect(files).toHaveLength(1)
  return files[0] as Buffer
}

/** Back to what the database held before groupJournal's group (version 1). */
async function beforeGroup(db: TestDatabase): Promise<void> {
  await q(db, 'UPDATE player SET gold = 10, _version = 1 WHERE id = 1')
  await q(db, `UPDATE quest SET pending = '[7]', _version = 1 WHERE id = 1`)
}

describe('storage.group', () => {
  it('journals the group as one record and flushes both rows in one write', async () => {
    const db = await database()
    const s = await started(options(db, tempDir()))
    const { p, t } = await pair(s)
    const out = s.group(() => {
      p.gold += 100
      t.pending = []
      return 'fired'
    })
    expect(out).toBe('fired')
    const frames = [...journalFiles(s).values()].filter((b) => b.length > 0)
    expect(frames).toHaveLength(1)
    const file = path.join(tempDir(), 'j.log')
    writeFileSync(file, frames[0] as Buffer)
    const payloads = [...readFrames(file, () => {})].map((f) => JSON.parse(f.payload.toString('utf8')))
    expect(payloads).toHaveLength(1)
    expect(payloads[0].map((r: unknown[]) => r[0])).toEqual(['player', 'quest'])
    const r = await s.flush()
    expect(r).toMatchObject({ landed: 2, batches: 1 })
    expect(await dbState(db)).toEqual({ gold: 110, pending: '[]', pv: '2', qv: '2' })
  })

  it('undoes every change of a body that throws: nothing in memory, the journal or the database', async () => {
    const db = await database()
    const s = await started(options(db, tempDir()))
    const { p, t } = await pair(s)
    const before = [...journalFiles(s).values()].reduce((n, b) => n + b.length, 0)
    expect(() =>
      s.group(() => {
        p.gold += 100
        t.pending = []
        throw new Error('effect failed')
      }),
    ).toThrow('effect failed')
    expect(rowValues(p).gold).toBe(10)
    expect(t.pending).toEqual([7])
    expect(s.stats().dirtyRows).toBe(0)
    expect([...journalFiles(s).values()].reduce((n, b) => n + b.length, 0)).toBe(before)
    // A row created inside a throwing group is forgotten too.
    expect(() =>
      s.group(() => {
        s.create(Quest, { id: 2n, note: 'x' })
        throw new Error('no')
      }),
    ).toThrow('no')
    expect(await s.load(Quest, 2n)).toBeUndefined()
    // An async body is refused and undone (its awaits would run outside the group).
    expect(() =>
      s.group(async () => {
        p.gold = 1
      }),
    ).toThrow(expect.objectContaining({ code: 'STORAGE_BAD_GROUP' }))
    expect(p.gold).toBe(10)
    expect((await s.flush()).landed).toBe(0)
  })

  it('refuses rows of two owners (epochs) in one group, and undoes it', async () => {
    const db = await database()
    const s = await started(options(db, tempDir()))
    const p = s.create(Player, { id: 1n, name: 'p1', gold: 10 })
    const t = s.create(Quest, { id: 1n, note: 'n' }, { epoch: 5 })
    await s.flush()
    expect(() =>
      s.group(() => {
        p.gold = 50
        t.note = 'other owner'
      }),
    ).toThrow(expect.objectContaining({ code: 'STORAGE_BAD_GROUP' }))
    expect([p.gold, t.note]).toEqual([10, 'n'])
  })

  it('a journal cut at any byte of the group record replays both rows or neither', async () => {
    const db = await database()
    const journal = await groupJournal(db)
    const frames: number[] = []
    const f = path.join(tempDir(), 'j.log')
    writeFileSync(f, journal)
    for (const fr of readFrames(f, () => {})) frames.push(fr.offset)
    expect(frames).toEqual([0]) // one record: the group
    const base = () => beforeGroup(db)
    const replay = async (cut: number): Promise<DbState> => {
      await base()
      const dataDir = tempDir()
      const dir = path.join(dataDir, db.name)
      mkdirSync(dir, { recursive: true })
      writeFileSync(path.join(dir, 'journal-00000001.log'), journal.subarray(0, cut))
      const s = await started(options(db, dataDir), false)
      await s.stop()
      return dbState(db)
    }
    const neither: DbState = { gold: 10, pending: '[7]', pv: '1', qv: '1' }
    const both: DbState = { gold: 110, pending: '[]', pv: '2', qv: '2' }
    expect(await replay(journal.length)).toEqual(both)
    // Every cut inside the record: a kill -9 in the middle of its write.
    for (let cut = 0; cut < journal.length; cut++)
      expect({ cut, ...(await replay(cut)) }).toEqual({ cut, ...neither })
    // And a flipped byte anywhere in it (a torn sector): dropped whole as well.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: journal.length - 1 }), async (at) => {
        const bad = Buffer.from(journal)
        bad[at] = (bad[at] as number) ^ 0x5a
        await base()
        const dataDir = tempDir()
        const dir = path.join(dataDir, db.name)
        mkdirSync(dir, { recursive: true })
        writeFileSync(path.join(dir, 'journal-00000001.log'), bad)
        const s = await started(options(db, dataDir), false)
        await s.stop()
        expect(await dbState(db)).toEqual(neither)
      }),
      { numRuns: 20 },
    )
  }, 600_000)

  it('replays neither row of a journaled group when a newer owner holds one of them', async () => {
    const db = await database()
    const journal = await groupJournal(db)
    await beforeGroup(db)
    // A newer owner (epoch 2) claimed the quest row, not yet the player row.
    const b = await started(options(db, tempDir(), 2))
    expect(await b.load(Quest, 1n)).toBeDefined()
    const dataDir = tempDir()
    mkdirSync(path.join(dataDir, db.name), { recursive: true })
    writeFileSync(path.join(dataDir, db.name, 'journal-00000001.log'), journal)
    const s = await started(options(db, dataDir), false)
    await s.stop()
    const st = await dbState(db)
    expect({ gold: st.gold, pending: st.pending }).toEqual({ gold: 10, pending: '[7]' })
    // Both rows are in the error dump (the refused one and the one rolled back with it).
    const dumped = readFileSync(path.join(dataDir, db.name, 'errors.log'), 'utf8')
    expect(dumped).toMatch(/STORAGE_STALE_EPOCH/)
    expect(dumped).toMatch(/STORAGE_GROUP_REFUSED/)
  }, 120_000)

  it('a flush whose second row is refused (stale epoch) writes neither row', async () => {
    const db = await database()
    const errors: string[] = []
    const a = await started(options(db, tempDir(), 1, errors))
    const { p, t } = await pair(a)
    // A newer owner claims the quest row only.
    const b = await started(options(db, tempDir(), 2))
    await b.load(Quest, 1n)
    a.group(() => {
      p.gold += 100 // first row of the group: its upsert goes through, then is rolled back
      t.pending = []
    })
    const r = await a.flush()
    expect(r.landed).toBe(0)
    expect(r.rejected).toHaveLength(2)
    expect(r.rejected.some((x) => StorageStaleEpoch.is(x.error))).toBe(true)
    expect(r.rejected.some((x) => StorageGroupRefused.is(x.error))).toBe(true)
    const st = await dbState(db)
    expect({ gold: st.gold, pending: st.pending, pv: st.pv }).toEqual({ gold: 10, pending: '[7]', pv: '1' })
    // Both rows are dropped: no longer writable, and a load reads the database again.
    expect(() => {
      p.gold = 1
    }).toThrow()
    expect(errors.some((m) => /refused/.test(m))).toBe(true)
  }, 120_000)

  it('many groups share one transaction; one refused group rolls back alone', async () => {
    const db = await database()
    const a = await started(options(db, tempDir()))
    const rows = [1n, 2n, 3n].map((id) => ({
      p: a.create(Player, { id, name: `p${id}`, gold: 10 }),
      t: a.create(Quest, { id, pending: [7], note: 'n' }),
    }))
    await a.flush()
    const b = await started(options(db, tempDir(), 2))
    await b.load(Quest, 2n) // a newer owner holds player 2's quest row
    for (const { p, t } of rows)
      a.group(() => {
        p.gold += 100
        t.pending = []
      })
    const r = await a.flush()
    expect(r.landed).toBe(4)
    expect(r.rejected).toHaveLength(2)
    const got = await q<{ id: string; gold: number; pending: string }[]>(
      db,
      'SELECT p.id, p.gold, t.pending FROM player p JOIN quest t ON t.id = p.id ORDER BY p.id',
    )
    expect(got).toEqual([
      { id: '1', gold: 110, pending: '[]' },
      { id: '2', gold: 10, pending: '[7]' },
      { id: '3', gold: 110, pending: '[]' },
    ])
  }, 120_000)

  it('a flush whose second row fails with an SQL error rolls the first back', async () => {
    const db = await database()
    const a = await started(options(db, tempDir()))
    const { p, t } = await pair(a)
    await q(
      db,
      `CREATE TRIGGER quest_boom BEFORE UPDATE ON quest FOR EACH ROW
       IF NEW.note = 'boom' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'forced failure'; END IF`,
    )
    a.group(() => {
      p.gold += 100
      t.note = 'boom'
    })
    const r = await a.flush()
    expect(r).toMatchObject({ landed: 0, errored: 2 })
    expect(r.failed).toHaveLength(2)
    const st = await dbState(db)
    expect({ gold: st.gold, pv: st.pv }).toEqual({ gold: 10, pv: '1' })
    const dumped = readFileSync(path.join(a.dir, 'errors.log'), 'utf8')
    expect(dumped).toMatch(/forced failure/)
    expect(dumped.match(/INSERT INTO/g)).toHaveLength(2)
  }, 120_000)

  it('unloading one row of a group writes the whole group', async () => {
    const db = await database()
    const a = await started(options(db, tempDir()))
    const { p, t } = await pair(a)
    a.group(() => {
      p.gold += 100
      t.pending = []
    })
    await a.unload(t)
    expect(await dbState(db)).toEqual({ gold: 110, pending: '[]', pv: '2', qv: '2' })
    expect((await a.flush()).landed).toBe(0)
  })

  it('a group flushed while the database is away goes to the dump file as one record, then lands whole', async () => {
    const db = await database()
    const u = new URL(db.url)
    const proxy = await TcpProxy.start(u.hostname, Number(u.port))
    cleanups.push(() => proxy.close())
    const a = await started({
      ...options(db, tempDir()),
      url: proxy.url(db.url),
      probeIntervalMs: 50,
      db: {
        retry: { attempts: 1, baseDelayMs: 20, maxDelayMs: 50 },
        connectTimeoutMs: 1000,
        queryTimeoutMs: 2000,
      },
    })
    const { p, t } = await pair(a)
    proxy.cut()
    a.group(() => {
      p.gold += 100
      t.pending = []
    })
    expect(await a.flush()).toMatchObject({ dumped: 2, landed: 0 })
    const frames = [...readFrames(path.join(a.dir, 'dump.log'), () => {})].map((f) =>
      JSON.parse(f.payload.toString('utf8')),
    )
    expect(frames).toHaveLength(1)
    expect(frames[0].group.map((x: { table: string }) => x.table)).toEqual(['player', 'quest'])
    proxy.restore()
    const end = Date.now() + 30_000
    while (a.stats().dumpPending > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
    expect(await dbState(db)).toEqual({ gold: 110, pending: '[]', pv: '2', qv: '2' })
  }, 120_000)

  it('a group dumped while the database was away replays whole, or not at all', async () => {
    const db = await database()
    const dataDir = tempDir()
    const a = await started(options(db, dataDir), false)
    a.create(Player, { id: 1n, name: 'p1', gold: 10 })
    a.create(Quest, { id: 1n, pending: [7], note: 'n' })
    await a.stop()
    const group = (version: number, gold: number) => [
      { table: 'player', primaryKey: ['id'], columns: ['id', 'gold'], rows: [['1', gold, version, 1]] },
      { table: 'quest', primaryKey: ['id'], columns: ['id', 'pending'], rows: [['1', '[]', version, 1]] },
    ]
    const dumpWith = async (version: number, gold: number) => {
      const dump = new DumpFile(path.join(dataDir, db.name, 'dump.log'))
      dump.appendGroup(group(version, gold), Date.now())
      await dump.close()
    }
    await dumpWith(2, 110)
    await (await started(options(db, dataDir), false)).stop()
    expect(await dbState(db)).toEqual({ gold: 110, pending: '[]', pv: '2', qv: '2' })
    // Now a newer owner holds the quest row: the next dumped group lands nowhere.
    await q(db, `UPDATE quest SET pending = '[8]', _epoch = 2 WHERE id = 1`)
    await dumpWith(3, 210)
    await (await started(options(db, dataDir), false)).stop()
    const st = await dbState(db)
    expect({ gold: st.gold, pv: st.pv, pending: st.pending }).toEqual({ gold: 110, pv: '2', pending: '[8]' })
  }, 120_000)
})

describe('JournalFold with group records', () => {
  const rec = (table: string, id: number, version: number, col: string, v: unknown) =>
    `["${table}",[{"$b":"${id}"}],1,${version},"${col}",${JSON.stringify(v)}]`
  const pks = new Map([
    ['player', ['id']],
    ['quest', ['id']],
  ])

  it('writes rows tied by groups (transitively) together, the rest in plain batches', () => {
    const fold = new JournalFold(pks)
    expect(fold.add(groupRecord([rec('player', 1, 2, 'gold', 110), rec('quest', 1, 2, 'note', 'a')]))).toBe(
      undefined,
    )
    expect(fold.add(groupRecord([rec('quest', 1, 2, 'note', 'b'), rec('quest', 2, 2, 'note', 'c')]))).toBe(
      undefined,
    )
    expect(fold.add(rec('player', 3, 2, 'gold', 1))).toBe(undefined)
    const plan = fold.plan(100)
    expect(plan.specs.map((s) => s.rows.map((r) => `${s.table}:${String(r[0])}`))).toEqual([['player:3']])
    expect(plan.groups).toHaveLength(1)
    expect(plan.groups[0]?.map((s) => `${s.table}:${String(s.rows[0]?.[0])}`).sort()).toEqual([
      'player:1',
      'quest:1',
      'quest:2',
    ])
    expect(fold.records).toBe(3)
  })

  it('refuses a group with one bad member whole', () => {
    const fold = new JournalFold(pks)
    expect(fold.add(groupRecord([rec('player', 1, 2, 'gold', 110), rec('nope', 1, 2, 'x', 1)]))).toMatch(
      /group member: unknown table nope/,
    )
    expect(fold.plan(100)).toEqual({ specs: [], groups: [] })
  })
})
