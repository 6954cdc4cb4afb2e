import { describe, expect, it } from 'vitest'
import { type Clock, ManualClock, TurnCachedClock } from './clock.js'

describe('ManualClock', () => {
  it('moves only when told, and lets wall time step back alone', () => {
    const c = new ManualClock(1000)
    c.advance(5)
    expect([c.now(), c.monotonic()]).toEqual([1005, 5])
    c.setWall(0)
    expect([c.now(), c.monotonic()]).toEqual([0, 5])
    expect(() => c.advance(-1)).toThrow(RangeError)
  })
})

describe('TurnCachedClock', () => {
  it('reads the inner clock once per turn', async () => {
    const inner = new ManualClock(0)
    let reads = 0
    const counting: Clock = {
      now: () => {
        reads++
        return inner.now()
      },
      monotonic: () => {
        reads++
        return inner.monotonic()
      },
    }
    const c = new TurnCachedClock(counting)
    expect(c.monotonic()).toBe(0)
    inner.advance(10)
    expect(c.monotonic()).toBe(0)
    expect(c.now()).toBe(10) // wall read first in this turn: fresh
    expect(reads).toBe(2)
    await Promise.resolve()
    expect(c.monotonic()).toBe(10)
    expect(reads).toBe(3)
  })
})
