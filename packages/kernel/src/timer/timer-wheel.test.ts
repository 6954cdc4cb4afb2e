import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, systemClock } from './clock.js'
import { TimerBadDelay, TimerBadInterval, TimerBadOptions } from './errors.js'
import { type TimerHandle, TimerWheel } from './timer-wheel.js'

const DAY = 86_400_000

function setup(
  opts: { tickMs?: number; level0Bits?: number; slotBits?: number; initialCapacity?: number } = {},
) {
  const clock = new ManualClock()
  const errors: unknown[] = []
  const wheel = new TimerWheel({ clock, onError: (e) => errors.push(e), ...opts })
  const log: string[] = []
  /** Advance the clock by `ms` and run the wheel. */
  const step = (ms: number) => {
    clock.advance(ms)
    return wheel.advance()
  }
  const at = (name: string) => () => log.push(`${name}@${wheel.elapsedMs}`)
  return { clock, wheel, log, errors, step, at }
}

describe('TimerWheel', () => {
  it('fires a one-shot timer once, not before its delay', () => {
    const { wheel, log, step, at } = setup()
    wheel.after(10, at('a'))
    expect(wheel.size).toBe(1)
    expect(step(9)).toBe(0)
    expect(step(1)).toBe(1)
    expect(step(100)).toBe(0)
    expect(log).toEqual(['a@10'])
    expect(wheel.size).toBe(0)
  })

  it('passes the argument and its own handle to the callback', () => {
    const { wheel, step } = setup()
    const seen: [string, TimerHandle][] = []
    const h = wheel.after(5, (arg: string, handle) => seen.push([arg, handle]), 'x')
    step(5)
    expect(seen).toEqual([['x', h]])
  })

  it('fires a repeating timer until cancelled', () => {
    const { wheel, log, step, at } = setup()
    const h = wheel.every(100, at('r'))
    step(350)
    expect(log).toEqual(['r@100', 'r@200', 'r@300'])
    expect(wheel.cancel(h)).toBe(true)
    step(1000)
    expect(log).toHaveLength(3)
    expect(wheel.size).toBe(0)
    expect(wheel.cancel(h)).toBe(false)
  })

  it('honours firstDelayMs and catches up at fixed rate after a long advance', () => {
    const { wheel, log, step, at } = setup()
    wheel.every(1000, at('r'), { firstDelayMs: 0 })
    step(3500)
    expect(log).toEqual(['r@1', 'r@1001', 'r@2001', 'r@3001'])
  })

  it('cancels a timer before it fires', () => {
    const { wheel, log, step, at } = setup()
    const a = wheel.after(10, at('a'))
    wheel.after(10, at('b'))
    expect(wheel.isActive(a)).toBe(true)
    expect(wheel.cancel(a)).toBe(true)
    expect(wheel.isActive(a)).toBe(false)
    expect(wheel.cancel(a)).toBe(false)
    step(10)
    expect(log).toEqual(['b@10'])
  })

  it('lets a callback cancel a timer due in the same tick, and itself', () => {
    const { wheel, log, step, at } = setup()
    let b = 0 as TimerHandle
    wheel.after(10, () => {
      log.push('a')
      expect(wheel.cancel(b)).toBe(true)
    })
    b = wheel.after(10, at('b'))
    wheel.after(10, at('c'))
    let r = 0 as TimerHandle
    r = wheel.every(10, () => {
      log.push('r')
      wheel.cancel(r)
    })
    const once = wheel.after(10, () => log.push(`once-cancel-self=${wheel.cancel(once)}`))
    step(50)
    expect(log).toEqual(['a', 'c@10', 'r', 'once-cancel-self=false'])
    expect(wheel.size).toBe(0)
  })

  it('never lets a stale handle cancel a timer that reuses its slot', () => {
    const { wheel, log, step, at } = setup()
    const old = wheel.after(1, at('old'))
    step(1)
    const reused = wheel.after(5, at('new'))
    expect(reused % 2 ** 27).toBe(old % 2 ** 27) // same slot, new generation
    expect(reused).not.toBe(old)
    expect(wheel.cancel(old)).toBe(false)
    expect(wheel.isActive(reused)).toBe(true)
    const cancelled = reused
    wheel.cancel(cancelled)
    const third = wheel.after(5, at('third'))
    expect(wheel.cancel(cancelled)).toBe(false)
    step(5)
    expect(log).toEqual(['old@1', 'third@6'])
    expect(wheel.cancel(third)).toBe(false)
    expect(wheel.cancel(0 as TimerHandle)).toBe(false)
    expect(wheel.cancel(-1 as TimerHandle)).toBe(false)
    expect(wheel.cancel(Number.NaN as TimerHandle)).toBe(false)
  })

  it('fires timers added with delay 0 from a callback on the next tick, not in a loop', () => {
    const { wheel, log, step } = setup()
    const again = () => {
      log.push(`t@${wheel.elapsedMs}`)
      wheel.after(0, again)
    }
    wheel.after(0, again)
    expect(step(0)).toBe(0)
    expect(step(1)).toBe(1)
    expect(step(1)).toBe(1)
    expect(log).toEqual(['t@1', 't@2'])
  })

  it('counts delays from the clock, also for callbacks run late while catching up', () => {
    const { wheel, log, step, at } = setup()
    wheel.after(10, () => {
      log.push(`a@${wheel.elapsedMs}`)
      // The clock already reads 100: this timer is due at 150, not 60.
      wheel.after(50, at('b'))
      // Delay 0 from a late callback: due at the clock's time, still within this advance.
      wheel.after(0, at('c'))
    })
    step(100)
    expect(log).toEqual(['a@10', 'c@100'])
    step(49)
    expect(log).toEqual(['a@10', 'c@100'])
    step(1)
    expect(log).toEqual(['a@10', 'c@100', 'b@150'])
  })

  it('fires timers due in the same tick in scheduling order, across levels', () => {
    const { wheel, log, step, at } = setup({ slotBits: 2 })
    wheel.after(1000, at('far')) // several levels up at first
    step(500)
    wheel.after(500, at('mid'))
    step(499)
    wheel.after(1, at('near'))
    step(1)
    expect(log).toEqual(['far@1000', 'mid@1000', 'near@1000'])
  })

  it('fires timers due in the same tick in scheduling order with a level 0 wider than the rest', () => {
    const { wheel, log, step, at } = setup({ level0Bits: 4, slotBits: 2 })
    wheel.after(1000, at('far'))
    step(500)
    wheel.after(500, at('mid'))
    step(495)
    wheel.after(5, at('near'))
    step(5)
    expect(log).toEqual(['far@1000', 'mid@1000', 'near@1000'])
  })

  it('fires long delays (days, months, years) at the exact tick after cascading down', () => {
    const { wheel, log, step, at } = setup()
    const delays = [
      255,
      256,
      257,
      4095,
      4096,
      4097,
      65_535,
      65_536,
      65_537,
      2 ** 20 + 1,
      DAY,
      3 * DAY + 7,
      40 * DAY + 1,
      400 * DAY + 13,
    ]
    for (const d of delays) wheel.after(d, at(String(d)))
    // Many small steps, then big jumps: both paths must land on exact ticks.
    for (let i = 0; i < 1000; i++) step(97)
    step(2 * DAY)
    step(400 * DAY)
    expect(log).toEqual(delays.map((d) => `${d}@${d}`))
    expect(wheel.size).toBe(0)
  })

  it('handles deadlines beyond 2^31 ticks (uptime past ~25 days)', () => {
    const { wheel, log, step, at } = setup()
    step(2 ** 31 - 10)
    wheel.after(5, at('a'))
    wheel.after(20, at('b'))
    wheel.after(2 ** 33, at('c'))
    step(10)
    step(10)
    step(2 ** 33)
    expect(log).toEqual([`a@${2 ** 31 - 5}`, `b@${2 ** 31 + 10}`, `c@${2 ** 31 - 10 + 2 ** 33}`])
  })

  it('repeats with an interval longer than 2^32 ticks', () => {
    const { wheel, log, step, at } = setup()
    const h = wheel.every(60 * DAY, at('r'), { firstDelayMs: 5 })
    step(5)
    step(60 * DAY - 1)
    step(1)
    step(120 * DAY)
    wheel.cancel(h)
    expect(log).toEqual(['r@5', `r@${60 * DAY + 5}`, `r@${120 * DAY + 5}`, `r@${180 * DAY + 5}`])
  })

  it('rounds delays up to whole ticks and reports elapsed time in ms', () => {
    const { wheel, log, step, at } = setup({ tickMs: 10 })
    wheel.after(1, at('a'))
    wheel.after(25, at('b'))
    step(9)
    expect(log).toEqual([])
    step(1)
    step(20)
    expect(log).toEqual(['a@10', 'b@30'])
  })

  it('keeps going when a callback throws and reports the error', () => {
    const { wheel, log, errors, step, at } = setup()
    const boom = new Error('boom')
    wheel.after(5, () => {
      throw boom
    })
    wheel.after(5, at('after'))
    const r = wheel.every(5, () => {
      throw boom
    })
    step(10)
    expect(log).toEqual(['after@5'])
    expect(errors).toEqual([boom, boom, boom])
    expect(wheel.isActive(r)).toBe(true)
  })

  it('survives an onError hook that throws', () => {
    const clock = new ManualClock()
    const wheel = new TimerWheel({
      clock,
      onError: () => {
        throw new Error('hook')
      },
    })
    const log: number[] = []
    wheel.after(1, () => {
      throw new Error('cb')
    })
    wheel.after(1, () => log.push(1))
    clock.advance(1)
    expect(wheel.advance()).toBe(2)
    expect(log).toEqual([1])
  })

  it('ignores advance() called from inside a callback', () => {
    const { wheel, log, step, at } = setup()
    wheel.after(1, () => log.push(`nested=${wheel.advance()}`))
    wheel.after(2, at('b'))
    step(5)
    expect(log).toEqual(['nested=0', 'b@2'])
  })

  it('grows past its initial capacity and reuses freed slots', () => {
    const { wheel, step } = setup({ initialCapacity: 16 })
    let fired = 0
    const hit = () => fired++
    const hs: TimerHandle[] = []
    for (let i = 0; i < 10_000; i++) hs.push(wheel.after(1 + (i % 500), hit))
    for (let i = 0; i < hs.length; i += 2) wheel.cancel(hs[i]!)
    expect(wheel.size).toBe(5000)
    step(500)
    expect(fired).toBe(5000)
    for (let i = 0; i < 10_000; i++) wheel.after(1, hit)
    step(1)
    expect(fired).toBe(15_000)
  })

  it('clear() cancels everything', () => {
    const { wheel, log, step, at } = setup()
    wheel.after(1, at('a'))
    wheel.every(1, at('b'))
    wheel.clear()
    expect(wheel.size).toBe(0)
    step(10)
    expect(log).toEqual([])
  })

  it('rejects bad delays, intervals and options with TIMER_ codes', () => {
    const { wheel } = setup()
    const noop = () => {}
    expect(() => wheel.after(-1, noop)).toThrow(TimerBadDelay)
    expect(() => wheel.after(Number.NaN, noop)).toThrow(expect.objectContaining({ code: 'TIMER_BAD_DELAY' }))
    expect(() => wheel.after(Number.POSITIVE_INFINITY, noop)).toThrow(TimerBadDelay)
    expect(() => wheel.every(0, noop)).toThrow(TimerBadInterval)
    expect(() => wheel.every(10, noop, { firstDelayMs: -5 })).toThrow(TimerBadDelay)
    expect(() => new TimerWheel({ clock: new ManualClock(), tickMs: 0 })).toThrow(TimerBadOptions)
    expect(() => new TimerWheel({ clock: new ManualClock(), slotBits: 13 })).toThrow(TimerBadOptions)
    expect(() => new TimerWheel({ clock: new ManualClock(), level0Bits: 0 })).toThrow(TimerBadOptions)
    expect(() => new TimerWheel({ clock: new ManualClock(), level0Bits: 17 })).toThrow(TimerBadOptions)
    expect(wheel.size).toBe(0)
  })

  it('reports the next event tick, jumping over empty stretches', () => {
    const { wheel, step } = setup()
    expect(wheel.nextEventTick()).toBe(Number.POSITIVE_INFINITY)
    wheel.after(10, () => {})
    expect(wheel.nextEventTick()).toBe(10)
    wheel.after(DAY, () => {})
    step(10)
    // The day-long timer is on a higher level: the next event is when its bucket cascades.
    const next = wheel.nextEventTick()
    expect(next).toBeGreaterThan(10)
    expect(next).toBeLessThanOrEqual(DAY)
  })
})

describe('TimerWheel driven by real time', () => {
  let wheel: TimerWheel | undefined
  afterEach(() => wheel?.stop())

  it('fires through its single driver timeout and goes idle when empty', async () => {
    wheel = new TimerWheel({ clock: systemClock })
    wheel.start()
    const fired: number[] = []
    const done = new Promise<void>((resolve) => {
      wheel!.after(30, () => fired.push(30))
      wheel!.after(5, () => fired.push(5))
      wheel!.after(15, () => {
        fired.push(15)
        resolve()
      })
    })
    // Keep the event loop alive: the driver is unref'd by default.
    const keepAlive = setTimeout(() => {}, 5000)
    await done
    await new Promise((r) => setTimeout(r, 40))
    clearTimeout(keepAlive)
    expect(fired).toEqual([5, 15, 30])
    expect(wheel.size).toBe(0)
    expect(wheel.nextEventTick()).toBe(Number.POSITIVE_INFINITY)
  })

  it('stays stopped when a callback stops the driver', async () => {
    const w = new TimerWheel({ clock: systemClock })
    wheel = w
    w.start()
    const fired: number[] = []
    w.after(5, () => {
      fired.push(5)
      w.stop()
    })
    w.after(300, () => fired.push(300))
    await new Promise((r) => setTimeout(r, 400))
    expect(fired).toEqual([5])
    expect(w.size).toBe(1)
  })
})
