import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Event, Player } from './fixtures/entities.js'
import { Storage, type StorageOptions } from './storage.js'
import type { StorageAlert } from './storage-alert.js'
import { sql, testDatabase, withDatabase } from './testing/mariadb.js'
import { TcpProxy } from './testing/tcp-proxy.js'

// The network between the storage and a real MariaDB is cut with a TCP
// forwarder: same failure modes as a dead link (reset connections, refused
// reconnects), in milliseconds.

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup() {
  const db = await testDatabase('ou')
  cleanups.push(() => db.drop())
  const u = new URL(db.url)
  const proxy = await TcpProxy.start(u.hostname, Number(u.port))
  cleanups.push(() => proxy.close())
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-outage-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const warnings: string[] = []
  const make = (over: Partial<StorageOptions> = {}) =>
    new Storage({
      url: proxy.url(db.url),
      service: db.service,
      machineId: db.machineId,
      entities: [Player, Event],
      dataDir,
      flushIntervalMs: 60_000,
      probeIntervalMs: 50,
      db: {
        retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
        connectTimeoutMs: 1000,
        queryTimeoutMs: 2000,
      },
      logger: { info() {}, warn: (_o, m) => warnings.push(m ?? ''), error() {} },
      ...over,
    })
  const q = (s: string) => sql(withDatabase(db.url, db.name), s)
  return { db, proxy, make, q, warnings }
}

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('database outage', () => {
  it('dumps writes that fail after the retries and replays them once the database answers', async () => {
    const { proxy, make, q, warnings } = await setup()
    const alerts: StorageAlert[] = []
    const s = make({ onAlert: (a) => alerts.push(a) })
    await s.start()
    cleanups.push(() => s.stop())
    const rows = [s.create(Player, { id: 1n, gold: 1 }), s.create(Player, { id: 2n, gold: 2 })]
    await s.flush()
    proxy.cut()
    for (const r of rows) r.gold += 10
    for (let i = 0; i < 5; i++) s.create(Event, { writer: 1, seq: i, payload: `e${i}` })
    const r1 = await s.flush()
    expect(r1.dumped).toBe(7)
    expect(s.stats().dumpPending).toBeGreaterThan(0)
    expect(warnings.some((w) => w.includes('dumped'))).toBe(true)
    // One alert when the outage begins (not one per batch).
    const dumps = alerts.filter((a) => a.kind === 'dump')
    expect(dumps).toHaveLength(1)
    expect(dumps[0]).toMatchObject({ kind: 'dump', database: s.database, firing: true })
    // While the dump holds writes, later ones queue behind them in order.
    rows[0]!.gold += 100
    const r2 = await s.flush()
    expect(r2.dumped).toBe(1)
    proxy.restore()
    await until(() => s.stats().dumpPending === 0)
    expect(alerts.filter((a) => a.kind === 'dump').map((a) => a.kind === 'dump' && a.firing)).toEqual([
      true,
      false,
    ])
    expect(await q('SELECT id, gold, _version FROM player ORDER BY id')).toEqual([
      { id: '1', gold: 111, _version: '3' },
      { id: '2', gold: 12, _version: '2' },
    ])
    expect(await q('SELECT COUNT(*) AS n FROM event')).toEqual([{ n: '5' }])
  })

  it('replays the dump file at the next start when the database was away at shutdown', async () => {
    const { proxy, make, q } = await setup()
    const s1 = make()
    await s1.start()
    const p = s1.create(Player, { id: 5n, gold: 5 })
    await s1.flush()
    proxy.cut()
    p.gold = 55
    s1.create(Event, { writer: 2, seq: 1, payload: 'x' })
    await s1.stop()
    proxy.restore()
    expect(await q('SELECT gold FROM player')).toEqual([{ gold: 5 }])
    const alerts: StorageAlert[] = []
    const s2 = make({ onAlert: (a) => alerts.push(a) })
    await s2.start()
    expect(alerts.find((a) => a.kind === 'replay')).toMatchObject({
      kind: 'replay',
      source: 'dump',
      records: 2,
    })
    cleanups.push(() => s2.stop())
    expect(s2.stats().dumpPending).toBe(0)
    expect(await q('SELECT gold FROM player')).toEqual([{ gold: 55 }])
    expect(await q('SELECT payload FROM event')).toEqual([{ payload: 'x' }])
    const back = await s2.load(Player, 5n)
    expect(back?.gold).toBe(55)
  })

  it('hides dropped connections from callers and refuses loads while writes wait in the dump', async () => {
    const { proxy, make, q } = await setup()
    const s = make()
    await s.start()
    cleanups.push(() => s.stop())
    s.create(Player, { id: 1n, gold: 1 })
    await s.flush()
    // Every pooled connection dies under the pool's feet, twice.
    for (let i = 0; i < 2; i++) {
      proxy.cut()
      proxy.restore()
      expect((await s.load(Player, 1n))?.gold).toBe(1)
      await s.unload((await s.load(Player, 1n)) as object)
    }
    // The server kills our connections itself.
    const ids = await q(
      `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()`,
    )
    for (const r of ids as { id: number }[]) await q(`KILL CONNECTION ${r.id}`).catch(() => {})
    expect(await s.load(Player, 2n)).toBeUndefined()
    // A long outage: the write is dumped, and a load cannot trust the database.
    const p = (await s.load(Player, 1n))!
    proxy.cut()
    p.gold = 2
    await s.unload(p)
    await expect(s.load(Player, 1n)).rejects.toThrow(/STORAGE_UNAVAILABLE|unavailable/)
    proxy.restore()
    await until(() => s.stats().dumpPending === 0)
    expect((await s.load(Player, 1n))?.gold).toBe(2)
  })
})
