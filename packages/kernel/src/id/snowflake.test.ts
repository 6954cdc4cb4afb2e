import { describe, expect, it } from 'vitest'
import { ManualClock } from '../timer/clock.js'
import { IdBadMachineId, IdBadOption, IdClockBehind, IdClosed, IdExhausted } from './errors.js'
import { Snowflake } from './snowflake.js'
import { MAX_SNOWFLAKE_TIMESTAMP, parseSnowflake } from './snowflake-layout.js'

const START = Date.UTC(2026, 0, 1)

function gen(opts: { machineId?: number; maxAheadMs?: number; epochMs?: number } = {}) {
  const clock = new ManualClock(START)
  const g = new Snowflake({ machineId: opts.machineId ?? 7, clock, ...opts })
  return { clock, g }
}

/** Take n ids and check each is strictly above the one before (so all are unique). */
function takeIncreasing(g: Snowflake, n: number, prev = -1n, each?: (i: number) => void): bigint {
  let last = prev
  for (let i = 0; i < n; i++) {
    each?.(i)
    const id = g.next()
    if (id <= last) throw new Error(`id #${i} ${id} is not above ${last}`)
    last = id
  }
  return last
}

describe('Snowflake', () => {
  it('mints only within the confirmed window of its machine-id lease; a revoke is for good', () => {
    const { clock, g } = gen()
    g.next() // no window set: no limit
    g.confirmUntil(START + 100)
    clock.advance(99)
    g.next()
    clock.advance(1)
    expect(() => g.next()).toThrow(expect.objectContaining({ code: 'ID_LEASE_UNCONFIRMED' }))
    g.confirmUntil(START + 50) // an older confirmation never shortens...
    g.confirmUntil(START + 300) // ...a newer one extends
    g.next()
    g.revoke()
    g.confirmUntil(START + 10_000)
    expect(() => g.next()).toThrow(expect.objectContaining({ code: 'ID_LEASE_UNCONFIRMED' }))
  })

  it('stamps the clock, machine id and a sequence that restarts each millisecond', () => {
    const { clock, g } = gen({ machineId: 5 })
    const a = g.decompose(g.next())
    const b = g.decompose(g.next())
    clock.advance(1)
    const c = g.decompose(g.next())
    expect(a).toEqual({ timestampMs: START, machineId: 5, sequence: 0 })
    expect(b).toEqual({ timestampMs: START, machineId: 5, sequence: 1 })
    expect(c).toEqual({ timestampMs: START + 1, machineId: 5, sequence: 0 })
  })

  it('stays unique and strictly increasing over millions of ids with a moving clock', () => {
    const { clock, g } = gen()
    // 1,500 ids per ms: no overflow, the clock drives the timestamp.
    const last = takeIncreasing(g, 2_000_000, -1n, (i) => {
      if (i % 1500 === 1499) clock.advance(1)
    })
    expect(g.decompose(last).timestampMs).toBe(clock.now())
  })

  it('borrows the next millisecond on sequence overflow instead of waiting for a frozen clock', () => {
    const { clock, g } = gen()
    const ids: bigint[] = []
    for (let i = 0; i < 4097; i++) ids.push(g.next())
    expect(g.decompose(ids[4095]!)).toMatchObject({ timestampMs: START, sequence: 4095 })
    expect(g.decompose(ids[4096]!)).toMatchObject({ timestampMs: START + 1, sequence: 0 })
    // 1M ids on a clock that never moves: 244 borrowed ms, all increasing.
    const last = takeIncreasing(g, 1_000_000, ids[4096])
    expect(g.decompose(last).timestampMs - clock.now()).toBe(Math.floor((1_000_000 + 4096) / 4096))
    // When the clock catches up the ids follow it again.
    clock.advance(1000)
    expect(g.decompose(g.next())).toMatchObject({ timestampMs: clock.now(), sequence: 0 })
  })

  it('never goes backwards when the clock steps back 1 ms', () => {
    const { clock, g } = gen()
    clock.advance(10)
    const before = g.next()
    clock.setWall(clock.now() - 1)
    const after = takeIncreasing(g, 10_000, before)
    // Still stamped with the later millisecond; the sequence carried on, then borrowed.
    expect(g.decompose(after).timestampMs).toBeGreaterThanOrEqual(START + 10)
    clock.advance(5)
    expect(g.decompose(g.next()).timestampMs).toBe(START + 14)
  })

  it('rides out a 5 s step back within maxAheadMs and refuses beyond it', () => {
    const { clock, g } = gen() // maxAheadMs 5000
    clock.advance(10_000)
    const before = takeIncreasing(g, 10)
    clock.setWall(clock.now() - 5000)
    // Exactly 5000 ms ahead is allowed: the rest of the current millisecond's sequence.
    const last = takeIncreasing(g, 4086, before)
    expect(g.decompose(last).sequence).toBe(4095)
    // Borrowing one more millisecond would be 5001 ms ahead.
    expect(() => g.next()).toThrow(IdClockBehind)
    expect(() => g.next()).toThrow(/5001 ms ahead of the wall clock \(max 5000 ms\)/)
    // A refused call consumes nothing; once the clock moves, ids resume above the last one.
    clock.advance(1)
    const resumed = g.next()
    expect(resumed).toBeGreaterThan(last)
    expect(g.decompose(resumed)).toMatchObject({ timestampMs: START + 10_001, sequence: 0 })
  })

  it('issues through a 5 s step back with a larger maxAheadMs', () => {
    const { clock, g } = gen({ maxAheadMs: 10_000 })
    clock.advance(10_000)
    const before = g.next()
    clock.setWall(clock.now() - 5000)
    const last = takeIncreasing(g, 200_000, before, (i) => {
      if (i % 1000 === 999) clock.advance(1) // 1000 ids/ms: slower than the sequence, the lead shrinks only via the clock
    })
    expect(g.decompose(last).timestampMs).toBeGreaterThan(clock.now())
    clock.advance(6000)
    expect(g.decompose(g.next()).timestampMs).toBe(clock.now())
  })

  it('puts the machine id in bits 12..21 and validates it', () => {
    for (const machineId of [0, 1, 0b1010101010, 1023]) {
      const { g } = gen({ machineId })
      const id = g.next()
      expect(Number((id >> 12n) & 1023n)).toBe(machineId)
      expect(g.decompose(id).machineId).toBe(machineId)
    }
    for (const bad of [-1, 1024, 1.5, Number.NaN]) {
      expect(() => gen({ machineId: bad })).toThrow(IdBadMachineId)
    }
  })

  it('round-trips decimal strings, which sort like the ids', () => {
    const { clock, g } = gen()
    let prev = ''
    for (let i = 0; i < 5000; i++) {
      if (i % 100 === 0) clock.advance(3)
      const s = g.nextString()
      expect(s).toMatch(/^[1-9][0-9]*$/)
      const id = parseSnowflake(s)
      expect(id.toString()).toBe(s)
      if (prev) expect(s.length > prev.length || (s.length === prev.length && s > prev)).toBe(true)
      prev = s
    }
  })

  it('uses a custom epoch and refuses one in the future', () => {
    const epochMs = Date.UTC(2025, 0, 1)
    const { g } = gen({ epochMs })
    const id = g.next()
    expect(id >> 22n).toBe(BigInt(START - epochMs))
    expect(g.decompose(id).timestampMs).toBe(START)
    expect(() => gen({ epochMs: START + 1 })).toThrow(IdBadOption)
    expect(() => gen({ maxAheadMs: -1 })).toThrow(IdBadOption)
  })

  it('floors a clock with fractional milliseconds', () => {
    const { clock, g } = gen()
    clock.advance(0.75)
    expect(g.decompose(g.next()).timestampMs).toBe(START)
  })

  it('fails with ID_EXHAUSTED past the 41-bit timestamp', () => {
    const clock = new ManualClock(MAX_SNOWFLAKE_TIMESTAMP)
    const g = new Snowflake({ machineId: 1, clock, epochMs: 0 })
    for (let i = 0; i < 4096; i++) g.next()
    expect(() => g.next()).toThrow(IdExhausted)
  })

  it('throws ID_CLOSED after close()', async () => {
    const { g } = gen()
    g.next()
    await g.close()
    await g.close()
    expect(() => g.next()).toThrow(IdClosed)
    expect(g.durableMark).toBeNull()
  })
})
