import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'
import { type TimerHandle, TimerWheel } from './timer-wheel.js'

// Level 0's chunked buckets, through the wheel: direct timers (inline
// entries, position handles) mixed with timers that have a record
// (repeating ones, and long ones that cascade into level 0).

function setup(opts: { level0Bits?: number; slotBits?: number } = {}) {
  const clock = new ManualClock()
  const wheel = new TimerWheel({ clock, ...opts })
  const step = (ms: number) => {
    clock.advance(ms)
    return wheel.advance()
  }
  return { clock, wheel, step }
}

describe('TimerWheel level-0 buckets', () => {
  it('empties a bucket when its last timer is cancelled', () => {
    const { wheel } = setup()
    const a = [wheel.after(10, () => {}), wheel.after(10, () => {}), wheel.after(10, () => {})]
    const b = wheel.after(20, () => {})
    expect(wheel.nextEventTick()).toBe(10)
    for (const h of a) expect(wheel.cancel(h)).toBe(true)
    expect(wheel.nextEventTick()).toBe(20)
    expect(wheel.cancel(b)).toBe(true)
    expect(wheel.nextEventTick()).toBe(Number.POSITIVE_INFINITY)
    expect(wheel.size).toBe(0)
  })

  it('never lets a stale handle cancel a timer that reuses its position', () => {
    const { wheel, step } = setup()
    const fired: string[] = []
    const a = wheel.after(5, () => fired.push('a'))
    expect(wheel.cancel(a)).toBe(true)
    // The bucket's chunk was freed; the next timer takes the same chunk and position.
    const b = wheel.after(5, () => fired.push('b'))
    expect(b).not.toBe(a)
    expect(wheel.cancel(a)).toBe(false)
    expect(wheel.isActive(a)).toBe(false)
    expect(wheel.isActive(b)).toBe(true)
    step(5)
    expect(fired).toEqual(['b'])
    // Fired, then reused again.
    const c = wheel.after(5, () => fired.push('c'))
    expect(wheel.cancel(b)).toBe(false)
    expect(wheel.isActive(c)).toBe(true)
    step(5)
    expect(fired).toEqual(['b', 'c'])
  })

  it('rejects handles that name no timer', () => {
    const { wheel } = setup()
    const live = wheel.after(5, () => {})
    // Unused positions of the live timer's chunk, other generations, non-integers, out of range.
    const junk = [
      live - 1,
      live - 2 ** 27,
      live + 0.5,
      -0,
      -(2 ** 60),
      2 ** 53,
      0.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]
    for (const h of [...junk, Number.NEGATIVE_INFINITY]) {
      expect(wheel.isActive(h as TimerHandle)).toBe(false)
      expect(wheel.cancel(h as TimerHandle)).toBe(false)
    }
    expect(wheel.isActive(live)).toBe(true)
    expect(wheel.size).toBe(1)
  })

  it('fires many chunks of one bucket in scheduling order, with arguments, skipping cancelled ones', () => {
    const { wheel, step } = setup()
    const got: number[] = []
    const cb = (i: number) => {
      got.push(i)
    }
    const handles: TimerHandle[] = []
    // More than one 2^14-entry page in a single bucket, plus a neighbour bucket.
    for (let i = 0; i < 40_000; i++) handles.push(wheel.after(i % 5 === 4 ? 8 : 7, cb, i))
    for (let i = 0; i < handles.length; i += 3) expect(wheel.cancel(handles[i]!)).toBe(true)
    const expected = (delay: number) => {
      const out: number[] = []
      for (let i = 0; i < handles.length; i++) if (i % 3 !== 0 && (i % 5 === 4 ? 8 : 7) === delay) out.push(i)
      return out
    }
    expect(step(7)).toBe(expected(7).length)
    expect(got).toEqual(expected(7))
    got.length = 0
    expect(step(1)).toBe(expected(8).length)
    expect(got).toEqual(expected(8))
    expect(wheel.size).toBe(0)
  })

  it('keeps scheduling order between cascaded, repeating and direct timers of one tick', () => {
    const { wheel, step } = setup({ level0Bits: 4, slotBits: 2 })
    const order: string[] = []
    // Due at tick 40: added at tick 0 it lives on an upper level and cascades down.
    wheel.after(40, () => order.push('long'))
    wheel.every(20, () => order.push('every'), { firstDelayMs: 20 })
    step(33)
    expect(order).toEqual(['every'])
    // Now within level 0's span of tick 40: stored inline.
    wheel.after(7, () => order.push('direct'))
    step(7)
    expect(order).toEqual(['every', 'long', 'every', 'direct'])
  })

  it('lets a callback clear() the rest of the bucket it is firing', () => {
    const { wheel, step } = setup({ level0Bits: 4, slotBits: 2 })
    const fired: string[] = []
    wheel.after(40, () => fired.push('long'))
    step(33)
    // All due at tick 40 (41 for the last), inside level 0: after the cascaded 'long' in the bucket.
    wheel.after(7, () => {
      fired.push('first')
      wheel.clear()
    })
    wheel.every(7, () => fired.push('every'))
    wheel.after(7, () => fired.push('direct'))
    wheel.after(8, () => fired.push('later'))
    step(20)
    expect(fired).toEqual(['long', 'first'])
    expect(wheel.size).toBe(0)
    expect(wheel.nextEventTick()).toBe(Number.POSITIVE_INFINITY)
    wheel.after(1, () => fired.push('after clear'))
    step(1)
    expect(fired).toEqual(['long', 'first', 'after clear'])
  })

  it('keeps handles exact while chunks are freed and reused many times', () => {
    const { wheel, step } = setup()
    const noop = () => {}
    for (let round = 0; round < 50; round++) {
      const hs: TimerHandle[] = []
      for (let i = 0; i < 2000; i++) hs.push(wheel.after(1 + (i % 50), noop))
      for (let i = 0; i < hs.length; i += 2) wheel.cancel(hs[i]!)
      step(50)
      expect(wheel.size).toBe(0)
    }
    // Handles of a chunk used 50 times carry its generation: still exact.
    const h = wheel.after(3, noop)
    expect(wheel.isActive(h)).toBe(true)
    expect(wheel.cancel(h)).toBe(true)
  })
})
