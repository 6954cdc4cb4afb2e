import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { frame } from './durability/record-file.js'
import { Event, Player } from './fixtures/entities.js'
import { Storage, type StorageOptions } from './storage.js'
import type { StorageAlert } from './storage-alert.js'
import { sql, testDatabase, withDatabase } from './testing/mariadb.js'

// A journal left by a crashed process, written straight to disk, replayed at start.

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup() {
  const db = await testDatabase('jr')
  cleanups.push(() => db.drop())
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-replay-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const dir = path.join(dataDir, db.name)
  mkdirSync(dir, { recursive: true })
  const infos: { o: unknown; m?: string }[] = []
  const errors: { o: Record<string, unknown>; m?: string }[] = []
  const alerts: StorageAlert[] = []
  const opts: StorageOptions = {
    url: db.url,
    service: db.service,
    machineId: db.machineId,
    dataDir,
    entities: [Player, Event],
    flushIntervalMs: 60_000,
    logger: {
      info: (o, m) => infos.push({ o, m }),
      warn() {},
      error: (o, m) => errors.push({ o: o as Record<string, unknown>, m }),
    },
    onAlert: (a) => alerts.push(a),
  }
  const start = async () => {
    const s = new Storage(opts)
    await s.start()
    cleanups.push(() => s.stop())
    return s
  }
  const q = <T>(s: string) => sql<T>(withDatabase(db.url, db.name), s)
  return { dir, start, q, infos, errors, alerts }
}

/** Journal segment `n` holding these records. */
function segment(dir: string, n: number, records: string[]): void {
  // Framed in slices: one Buffer per record set would be fine too, this keeps the test's own memory flat.
  const parts: Buffer[] = []
  for (let i = 0; i < records.length; i += 10_000) parts.push(frame(records.slice(i, i + 10_000)))
  writeFileSync(path.join(dir, `journal-${String(n).padStart(8, '0')}.log`), Buffer.concat(parts))
}

const gold = (id: number, epoch: number, version: number, value: number) =>
  `["player",[{"$b":"${id}"}],${epoch},${version},"gold",${value}]`
const created = (id: number) =>
  `["player",[{"$b":"${id}"}],0,1,"id",{"$b":"${id}"},"name","p${id}","gold",0,"level",1,"vip",0,"bag","{\\"items\\":[]}","note",null]`

describe('journal replay at start', () => {
  it('replays a segment far past the old spread-argument limit (200k records) exactly', async () => {
    const { dir, start, q, infos } = await setup()
    const rows = 1000
    const records: string[] = []
    for (let id = 1; id <= rows; id++) records.push(created(id))
    // 200k changes of gold, all in one segment and one version per row (no flush in between).
    for (let n = 0; n < 200_000; n++) records.push(gold((n % rows) + 1, 0, 1, n))
    segment(dir, 1, records)
    const s = await start()
    const got = await q<{ id: string; gold: number; name: string }[]>(
      'SELECT id, gold, name FROM player ORDER BY id',
    )
    expect(got).toHaveLength(rows)
    for (const r of got) {
      const id = Number(r.id)
      expect(r.gold).toBe(200_000 - rows + id - 1)
      expect(r.name).toBe(`p${id}`)
    }
    // The replayed segment is gone; the one open now is new and empty.
    const left = readdirSync(dir).filter((f) => f.startsWith('journal-'))
    expect(left.map((f) => statSync(path.join(dir, f)).size)).toEqual([0])
    expect(infos.find((i) => i.m === 'storage: journal replayed')?.o).toMatchObject({
      records: 201_000,
      segments: 1,
      rows,
    })
    expect(s.stats().rowsLanded).toBe(rows)
  })

  it('replays segments oldest first, each version landing whole', async () => {
    const { dir, start, q } = await setup()
    segment(dir, 1, [created(1), gold(1, 0, 1, 5), created(2)])
    // A version barrier sealed segment 1: the same rows carry the next versions in segment 2.
    segment(dir, 2, [gold(1, 0, 2, 9), gold(2, 0, 2, 3)])
    segment(dir, 3, [gold(2, 0, 4, 4)])
    await start()
    expect(await q('SELECT id, gold, _version AS v FROM player ORDER BY id')).toEqual([
      { id: '1', gold: 9, v: '2' },
      { id: '2', gold: 4, v: '4' },
    ])
  })

  it('keeps unreadable journal and dump records aside in the quarantine, names file and offset, replays the rest', async () => {
    const { dir, start, q, errors, alerts } = await setup()
    // Segment: good, corrupt (bad checksum), good, then a torn tail.
    const good1 = frame([created(1)])
    const bad = frame([gold(1, 0, 1, 666)])
    bad.writeUInt8(bad.readUInt8(12) ^ 0x01, 12)
    const good2 = frame([gold(1, 0, 1, 7)])
    const torn = frame([gold(1, 0, 1, 999)]).subarray(0, 20)
    const seg = path.join(dir, 'journal-00000001.log')
    writeFileSync(seg, Buffer.concat([good1, bad, good2, torn]))
    // Dump file: a record that is valid JSON but not a dump record, then a good one.
    const dump = path.join(dir, 'dump.log')
    const spec = {
      table: 'player',
      primaryKey: ['id'],
      columns: ['id', 'level'],
      rows: [[{ $b: '2' }, 9, 1, 0]],
    }
    const notDump = '{"at":0,"what":"not a dump record"}'
    writeFileSync(dump, frame([notDump, JSON.stringify({ at: 0, ...spec })]))
    const s = await start()
    expect(await q('SELECT id, gold, level FROM player ORDER BY id')).toEqual([
      { id: '1', gold: 7, level: 1 },
      { id: '2', gold: 0, level: 9 },
    ])
    expect(s.stats().quarantined).toBe(3)
    const kept = alerts.filter((a) => a.kind === 'quarantine')
    expect(kept.map((a) => a.kind === 'quarantine' && [path.basename(a.source), a.offset, a.length])).toEqual(
      [
        ['dump.log', 0, 8 + notDump.length],
        ['journal-00000001.log', good1.length, bad.length],
        ['journal-00000001.log', good1.length + bad.length + good2.length, torn.length],
      ],
    )
    // The bytes are kept as they were, listed in the index, and each was logged as an error.
    const index = readFileSync(path.join(dir, 'quarantine', 'index.log'), 'utf8')
      .trim()
      .split('\n')
    expect(index).toHaveLength(3)
    const second = JSON.parse(index[1] as string) as { file: string; reason: string }
    expect(readFileSync(path.join(dir, 'quarantine', second.file))).toEqual(bad)
    expect(second.reason).toMatch(/checksum/)
    expect(errors.filter((e) => e.m?.includes('quarantine')).map((e) => e.o.offset)).toEqual([
      0,
      good1.length,
      good1.length + bad.length + good2.length,
    ])
  })
})
