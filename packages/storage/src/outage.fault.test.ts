import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Event, Player } from './fixtures/entities.js'
import { Storage } from './storage.js'
import { PrivateMariadb, sql, withDatabase } from './testing/mariadb.js'

// Slow suite (~30 s): stops a private MariaDB for 20 s under steady writes.

let server: PrivateMariadb
let dataDir: string
beforeAll(async () => {
  server = await PrivateMariadb.create()
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-outage-fault-'))
})
afterAll(async () => {
  await server?.destroy()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('MariaDB stopped for 20 s during steady writes', () => {
  it('keeps every acknowledged change, none twice', { timeout: 120_000 }, async () => {
    const errors: unknown[] = []
    const storage = new Storage({
      url: server.url,
      service: 'fault',
      machineId: 1,
      dataDir,
      entities: [Player, Event],
      flushIntervalMs: 100,
      probeIntervalMs: 250,
      db: {
        retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 500 },
        connectTimeoutMs: 1000,
        queryTimeoutMs: 3000,
      },
      logger: { info() {}, warn() {}, error: (o) => errors.push(o) },
    })
    await storage.start()
    const player = storage.create(Player, { id: 1n })
    let seq = 0
    let writing = true
    // Steady writes: 100 changes every 20 ms, each acknowledged when the assignment returns.
    const writer = (async () => {
      while (writing) {
        for (let i = 0; i < 100; i++) {
          storage.create(Event, { writer: 1, seq, payload: `e${seq}` })
          player.gold = seq
          seq++
        }
        await sleep(20)
      }
    })()
    await sleep(1500)
    await server.stop()
    const stoppedAt = seq
    await sleep(20_000)
    expect(storage.stats().dumpPending).toBeGreaterThan(0)
    await server.start()
    // Replayed in the running process as soon as the database answers.
    const end = Date.now() + 20_000
    while (storage.stats().dumpPending > 0 && Date.now() < end) await sleep(100)
    expect(storage.stats().dumpPending).toBe(0)
    await sleep(1000)
    writing = false
    await writer
    // The restarted server is used without a stale-connection error reaching us.
    expect((await storage.load(Player, 1n))?.gold).toBe(seq - 1)
    await storage.stop()
    expect(stoppedAt).toBeGreaterThan(0)
    const q = (s: string) => sql<Record<string, string>[]>(withDatabase(server.url, 'fault_1'), s)
    expect(await q('SELECT COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi FROM event')).toEqual([
      { n: String(seq), lo: 0, hi: seq - 1 },
    ])
    expect(await q('SELECT gold FROM player')).toEqual([{ gold: seq - 1 }])
    expect(errors).toEqual([])
  })
})

describe('a batch over max_allowed_packet', () => {
  it('is split in halves until it fits, every row lands, and the split is logged once and counted', async () => {
    const [before] = await sql<{ v: string }[]>(server.url, 'SELECT @@GLOBAL.max_allowed_packet AS v')
    await sql(server.url, 'SET GLOBAL max_allowed_packet = 16384')
    try {
      const warnings: string[] = []
      const storage = new Storage({
        url: server.url,
        service: 'packet',
        machineId: 1,
        dataDir,
        entities: [Player],
        flushIntervalMs: 60_000,
        logger: { info() {}, warn: (_o, m) => warnings.push(m ?? ''), error() {} },
      })
      await storage.start()
      // 500 rows of about 100 bytes each in one statement: ~50 KB, over 16 KiB.
      for (let i = 1; i <= 500; i++)
        storage.create(Player, { id: BigInt(i), name: 'n'.repeat(16), note: 'x'.repeat(60) })
      const r = await storage.flush()
      expect(r.landed).toBe(500)
      expect(r.errored).toBe(0)
      expect(storage.stats().packetSplits).toBeGreaterThan(0)
      expect(warnings.filter((w) => w.includes('max_allowed_packet'))).toHaveLength(1)
      await storage.stop()
      const q = (s: string) => sql<Record<string, string>[]>(withDatabase(server.url, 'packet_1'), s)
      expect(await q('SELECT COUNT(*) AS n FROM player')).toEqual([{ n: '500' }])
    } finally {
      await sql(server.url, `SET GLOBAL max_allowed_packet = ${Number(before?.v)}`)
    }
  })
})
