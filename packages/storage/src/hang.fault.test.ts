import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Event, Player } from './fixtures/entities.js'
import type { WriterConfig } from './fixtures/workload.js'
import { checkState, WriterProcess } from './fixtures/writer-process.js'
import { Storage } from './storage.js'
import { PrivateMariadb } from './testing/mariadb.js'

// Slow suite: a real writer process runs while the private MariaDB hangs
// (SIGSTOP: sockets open, no answer), is killed with kill -9 during the hang;
// then the database comes back and a restart must hold every acknowledged
// change, exactly.
//
// TESSERA_FAULT_RECORDS sets how many changes the journal holds at the kill
// in the first test: 1,000,000 in CI (CI=true), 150,000 by default on a
// developer's machine (past the ~125k records at which the old replay
// overflowed the stack):
//   TESSERA_FAULT_RECORDS=1000000 pnpm vitest run packages/storage/src/hang.fault.test.ts

const RECORDS = Number(process.env.TESSERA_FAULT_RECORDS ?? (process.env.CI === 'true' ? 1_000_000 : 150_000))

let server: PrivateMariadb
beforeAll(async () => {
  server = await PrivateMariadb.create()
})
afterAll(async () => {
  await server?.destroy()
})

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`)
    await sleep(20)
  }
}

function config(service: string, over: Partial<WriterConfig>): WriterConfig {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-hang-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  return {
    url: server.url,
    service,
    machineId: 1,
    dataDir,
    mode: 'write',
    flushIntervalMs: 200,
    rows: 2000,
    eventEvery: 10,
    changes: 1_000_000_000,
    ackFile: path.join(dataDir, 'ack'),
    ...over,
  }
}

/** Start the writer, let it settle, then hang the database under it. */
async function writeThenHang(cfg: WriterConfig): Promise<WriterProcess> {
  const w = await WriterProcess.start(cfg)
  cleanups.push(async () => {
    await w.kill().catch(() => {})
  })
  await w.waitForAck(5_000)
  server.pause()
  cleanups.push(() => server.resume())
  return w
}

/** Restart on the writer's data directory after the kill; returns what start() logged and replayed. */
async function restart(cfg: WriterConfig) {
  const infos: { o: Record<string, unknown>; m: string }[] = []
  const errors: string[] = []
  const s = new Storage({
    url: server.url,
    service: cfg.service,
    machineId: cfg.machineId,
    dataDir: cfg.dataDir,
    entities: [Player, Event],
    logger: {
      info: (o, m) => infos.push({ o: o as Record<string, unknown>, m: m ?? '' }),
      warn() {},
      error: (_o, m) => errors.push(m ?? ''),
    },
  })
  await s.start()
  cleanups.push(() => s.stop())
  return { s, infos, errors }
}

describe('writer killed -9 while the database hangs (SIGSTOP)', () => {
  it(`replays a journal of ${RECORDS} changes and keeps every acknowledged one`, {
    timeout: 120_000 + RECORDS / 4,
  }, async () => {
    // Deadlines far beyond the run: the flush stays stuck in the hang, so
    // every change since the pause is only in the journal at the kill.
    const cfg = config('hangj', {
      writeDeadlineMs: 3_600_000,
      db: { queryTimeoutMs: 3_600_000, connectTimeoutMs: 3_600_000 },
    })
    const w = await writeThenHang(cfg)
    const pausedAt = w.acked()
    await w.waitForAck(pausedAt + RECORDS, 60_000 + RECORDS / 5)
    const acked = await w.kill()
    server.resume()
    const { s, infos, errors } = await restart(cfg)
    const state = await checkState(server.url, s.database, cfg, acked, 1)
    expect(state.problems).toEqual([])
    expect(s.replayed.journalRecords).toBeGreaterThanOrEqual(RECORDS)
    expect(s.replayed.journalSegments).toBeGreaterThan(1)
    const log = infos.find((i) => i.m === 'storage: journal replayed')?.o
    expect(log).toMatchObject({ records: s.replayed.journalRecords })
    expect(log?.recordsPerSecond).toBeGreaterThan(0)
    expect(errors).toEqual([])
  })

  it('detects the hang by the write deadline: dump file, journal-size alert, replay after restart', {
    timeout: 240_000,
  }, async () => {
    const cfg = config('hangd', {
      writeDeadlineMs: 1000,
      journal: { alertBytes: 512 * 1024 },
      // The defaults (15 s per statement, 5 s per connect, 3 retries): on their own they
      // would hold the first flush of the hang for about a minute.
    })
    const w = await writeThenHang(cfg)
    const dump = path.join(cfg.dataDir, `${cfg.service}_${cfg.machineId}`, 'dump.log')
    await until(
      'writes reach the dump file during the hang',
      () => existsSync(dump) && statSync(dump).size > 0,
      60_000,
    )
    await until('the journal-size alert fires', () => w.log.includes('journal over its alert size'), 60_000)
    // Keep writing into the hang a while: these go journal -> flush -> dump file.
    await w.waitForAck(w.acked() + 5_000, 90_000)
    const acked = await w.kill()
    expect(w.log).toMatch(/write failed after retries, dumped/)
    server.resume()
    const { s, errors } = await restart(cfg)
    expect(s.replayed.dumpRecords).toBeGreaterThan(0)
    expect(s.stats().dumpPending).toBe(0)
    const state = await checkState(server.url, s.database, cfg, acked, 1)
    expect(state.problems).toEqual([])
    expect(errors).toEqual([])
  })

  it('a load under the hang fails with STORAGE_UNAVAILABLE by the read deadline, and works once the database is back', {
    timeout: 120_000,
  }, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-hang-load-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const s = new Storage({
      url: server.url,
      service: 'hangload',
      machineId: 1,
      dataDir,
      entities: [Player, Event],
      readDeadlineMs: 1000,
      // Statement and connect timeouts far beyond the test: only the read
      // deadline can end the load during the hang.
      db: { queryTimeoutMs: 3_600_000, connectTimeoutMs: 3_600_000 },
    })
    await s.start()
    cleanups.push(() => s.stop())
    await s.create(Player, { id: 7n, name: 'seven' })
    await s.flush()
    await s.unload((await s.load(Player, 7n))!)
    server.pause()
    cleanups.push(() => server.resume())
    const t0 = Date.now()
    const outcome = await Promise.race([
      s.load(Player, 7n, { epoch: 3 }).then(
        () => 'loaded',
        (err: unknown) => err,
      ),
      sleep(30_000).then(() => 'still waiting after 30 s'),
    ])
    expect(outcome).toBeInstanceOf(Error)
    expect((outcome as Error).message).toMatch(/STORAGE_UNAVAILABLE|no answer within 1000 ms/)
    expect(Date.now() - t0).toBeLessThan(30_000)
    server.resume()
    const row = await s.load(Player, 7n, { epoch: 3 })
    expect(row?.name).toBe('seven')
  })
})
