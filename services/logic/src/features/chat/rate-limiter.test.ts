import { describe, expect, it } from 'vitest'
import { RateLimiter } from './rate-limiter.js'

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the wait until the next token', () => {
    const r = new RateLimiter(2, 3)
    const t = 1_000_000
    expect([r.take(1n, t), r.take(1n, t), r.take(1n, t)]).toEqual([0, 0, 0])
    expect(r.take(1n, t)).toBe(500)
    // A refusal takes nothing: still 500 ms to wait at the same moment.
    expect(r.take(1n, t)).toBe(500)
    expect(r.take(1n, t + 250)).toBe(250)
    expect(r.take(1n, t + 500)).toBe(0)
    expect(r.take(1n, t + 500)).toBe(500)
  })

  it('refills at the sustained rate, never above the burst', () => {
    const r = new RateLimiter(1, 2)
    expect(r.take(7n, 0)).toBe(0)
    expect(r.take(7n, 0)).toBe(0)
    // An hour idle refills only to the burst.
    const later = 3_600_000
    expect(r.take(7n, later)).toBe(0)
    expect(r.take(7n, later)).toBe(0)
    expect(r.take(7n, later)).toBeGreaterThan(0)
  })

  it('keeps one bucket per player; forget starts a fresh one', () => {
    const r = new RateLimiter(1, 1)
    expect(r.take(1n, 0)).toBe(0)
    expect(r.take(2n, 0)).toBe(0)
    expect(r.take(1n, 0)).toBe(1000)
    r.forget(1n)
    expect(r.size).toBe(1)
    expect(r.take(1n, 0)).toBe(0)
  })
})
