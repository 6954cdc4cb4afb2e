import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TesseraError } from '../errors/index.js'
import { ManualClock } from '../timer/clock.js'
import { IdClockBehind, IdReservationPending, IdStoreCorrupt, IdStoreFailed } from './errors.js'
import { FileSnowflakeStore } from './file-snowflake-store.js'
import { Snowflake } from './snowflake.js'
import { markForTimestamp, timestampOfMark } from './snowflake-layout.js'
import type { SnowflakeStore } from './snowflake-store.js'

const START = Date.UTC(2026, 0, 1)
const EPOCH = Date.UTC(2024, 0, 1)

/**
 * Wraps the real file store so a test can hold saves in flight (a slow disk)
 * or make the next one fail, and see what was asked.
 */
class GatedStore implements SnowflakeStore {
  saves: bigint[] = []
  private held: (() => void)[] = []
  private holding = false
  private failNext: Error | null = null

  constructor(readonly inner: SnowflakeStore) {}

  load(): Promise<bigint | null> {
    return this.inner.load()
  }

  async save(highWater: bigint): Promise<void> {
    this.saves.push(highWater)
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve))
    const fail = this.failNext
    this.failNext = null
    if (fail) throw fail
    await this.inner.save(highWater)
  }

  hold(): void {
    this.holding = true
  }

  release(): void {
    this.holding = false
    for (const r of this.held.splice(0)) r()
  }

  failOnce(err: Error): void {
    this.failNext = err
  }
}

let dir: string
let file: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tessera-snowflake-'))
  file = path.join(dir, 'snowflake-7.json')
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function open(clock: ManualClock, store: SnowflakeStore = new FileSnowflakeStore(file), extra = {}) {
  return Snowflake.open({ machineId: 7, clock, store, keepAliveMs: 0, ...extra })
}

async function storedMark(): Promise<bigint> {
  const v = await new FileSnowflakeStore(file).load()
  if (v === null) throw new Error('no mark stored')
  return v
}

describe('Snowflake with a store', () => {
  it('starts fresh without a file and reserves reserveMs ahead before the first id', async () => {
    const clock = new ManualClock(START)
    const g = await open(clock)
    expect(timestampOfMark(await storedMark())).toBe(START - EPOCH + 2000)
    expect(g.durableMark).toBe(await storedMark())
    expect(g.decompose(g.next()).timestampMs).toBe(START)
    await g.close()
  })

  it('never reissues after a crash, even with the clock stepped back', async () => {
    const clock = new ManualClock(START)
    const a = await open(clock)
    let maxA = -1n
    for (let i = 0; i < 300_000; i++) {
      if (i % 2000 === 0) clock.advance(1)
      maxA = a.next()
    }
    // "Crash": drop A without close(); restart on a clock 3 s behind.
    clock.setWall(clock.now() - 3000)
    const b = await open(clock)
    let minB = b.next()
    expect(minB).toBeGreaterThan(maxA)
    for (let i = 0; i < 100_000; i++) {
      const id = b.next()
      if (id < minB) minB = id
    }
    expect(minB).toBeGreaterThan(maxA)
    await b.close()
  })

  it('renews in the background once ids enter the second half of the window', async () => {
    const clock = new ManualClock(START)
    const store = new GatedStore(new FileSnowflakeStore(file))
    const g = await open(clock, store)
    expect(store.saves).toHaveLength(1)
    clock.advance(999)
    g.next()
    expect(store.saves).toHaveLength(1)
    clock.advance(1) // 1000 ms into a 2000 ms reservation
    g.next()
    expect(store.saves).toHaveLength(2)
    await vi.waitFor(() => expect(g.durableMark).toBe(markForTimestamp(START - EPOCH + 1000 + 2000)))
    expect(await storedMark()).toBe(g.durableMark)
    await g.close()
  })

  it('stops at the durable mark while a save is pending, then resumes after ready()', async () => {
    const clock = new ManualClock(START)
    const store = new GatedStore(new FileSnowflakeStore(file))
    const g = await open(clock, store)
    const durable = g.durableMark!
    store.hold()
    clock.advance(2500) // past the reservation, save held
    const ids: bigint[] = []
    let err: unknown
    try {
      for (let i = 0; i < 10_000; i++) ids.push(g.next())
    } catch (e) {
      err = e
    }
    // 4096 ids of grace stamped with the durable millisecond, none above the mark.
    expect(ids).toHaveLength(4096)
    expect(ids.every((id) => id <= durable)).toBe(true)
    expect(g.decompose(ids[0]!).timestampMs).toBe(START + 2000)
    expect(IdReservationPending.is(err)).toBe(true)
    expect(store.saves).toHaveLength(2) // one save in flight, not one per call
    const ready = g.ready()
    store.release()
    await ready
    const next = g.next()
    expect(next).toBeGreaterThan(ids[4095]!)
    expect(g.decompose(next).timestampMs).toBe(clock.now())
    expect(next).toBeLessThanOrEqual(g.durableMark!)
    await g.close()
  })

  it('crashing with a save in flight leaves a mark above every issued id', async () => {
    const clock = new ManualClock(START)
    const store = new GatedStore(new FileSnowflakeStore(file))
    const a = await open(clock, store)
    store.hold()
    let maxA = -1n
    let err: unknown
    try {
      // 1 ms per 10 ids: the clock passes the 2000 ms reservation while its renewal is held.
      for (let i = 0; i < 40_000; i++) {
        if (i % 10 === 0) clock.advance(1)
        maxA = a.next()
      }
    } catch (e) {
      err = e
    }
    expect(IdReservationPending.is(err)).toBe(true)
    expect(maxA).toBeLessThanOrEqual(await storedMark())
    clock.setWall(START)
    const b = await open(clock)
    expect(b.next()).toBeGreaterThan(maxA)
    await b.close()
    store.release() // let A's stale save finish before the directory is removed
    await a.close()
  })

  it('reports background save failures, surfaces them as the cause, and retries after retryMs', async () => {
    const clock = new ManualClock(START)
    const store = new GatedStore(new FileSnowflakeStore(file))
    const errors: TesseraError[] = []
    const g = await open(clock, store, { retryMs: 5000, onSaveError: (e: TesseraError) => errors.push(e) })
    store.failOnce(new Error('disk on fire'))
    clock.advance(1000)
    g.next() // starts the failing save
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    expect(IdStoreFailed.is(errors[0])).toBe(true)
    expect(errors[0]!.message).toMatch(/disk on fire/)
    // Within retryMs no new save; past the reservation the grace runs out with the failure as cause.
    clock.advance(1001)
    let err: unknown
    try {
      for (let i = 0; i < 5000; i++) g.next()
    } catch (e) {
      err = e
    }
    expect(IdReservationPending.is(err)).toBe(true)
    expect((err as Error).cause).toBe(errors[0])
    expect(store.saves).toHaveLength(2)
    clock.advance(4000) // retry delay over (the manual clock moves the monotonic clock too)
    expect(() => g.next()).toThrow(/reservation exhausted/)
    expect(store.saves).toHaveLength(3)
    await g.ready()
    expect(g.decompose(g.next()).timestampMs).toBe(clock.now())
    await g.close()
  })

  it('keeps the reservation fresh while idle with the keep-alive timer', async () => {
    const clock = new ManualClock(START)
    const g = await open(clock, new FileSnowflakeStore(file), { keepAliveMs: 5 })
    const first = g.durableMark!
    clock.advance(10_000) // idle for 10 s
    await vi.waitFor(() => expect(timestampOfMark(g.durableMark!)).toBe(START - EPOCH + 12_000))
    expect(g.durableMark).toBeGreaterThan(first)
    expect(g.decompose(g.next()).timestampMs).toBe(clock.now())
    await g.close()
  })

  it('refuses a corrupt file, naming it, and a mark far ahead of the clock', async () => {
    const clock = new ManualClock(START)
    await writeFile(file, 'garbage')
    const err = await open(clock).catch((e: unknown) => e)
    expect(IdStoreCorrupt.is(err)).toBe(true)
    expect((err as Error).message).toContain(file)

    const store = new FileSnowflakeStore(file)
    await store.save(markForTimestamp(START - EPOCH + 60_000))
    await expect(open(clock, store)).rejects.toThrow(IdClockBehind)
    await expect(open(clock, store)).rejects.toThrow(/stored high-water mark/)
  })

  it('fails open() when the first reservation cannot be saved', async () => {
    // The file is missing (a fresh start) but its temp file cannot be created.
    await mkdir(`${file}.tmp`)
    const err = await open(new ManualClock(START)).catch((e: unknown) => e)
    expect(IdStoreFailed.is(err)).toBe(true)
    expect((err as Error).message).toMatch(/saving .*snowflake-7\.json: EISDIR/)
  })

  it('validates reserveMs against maxAheadMs', async () => {
    const clock = new ManualClock(START)
    await expect(open(clock, new FileSnowflakeStore(file), { reserveMs: 5000 })).rejects.toThrow(/reserveMs/)
    await expect(open(clock, new FileSnowflakeStore(file), { reserveMs: 1 })).rejects.toThrow(/reserveMs/)
    expect(JSON.parse(await readFile(file, 'utf8').catch(() => '{}'))).toEqual({})
  })
})
