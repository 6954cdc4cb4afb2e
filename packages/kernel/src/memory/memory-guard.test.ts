import { getHeapStatistics } from 'node:v8'
import { describe, expect, it } from 'vitest'
import type { AlertInput } from '../alerts/index.js'
import type { Logger } from '../log/index.js'
import { Metrics, registerMemoryGuardMetrics } from '../metrics/index.js'
import { ManualClock, TimerWheel } from '../timer/index.js'
import {
  DEFAULT_HEAP_FRACTION,
  type GuardedMemory,
  MemoryGuard,
  type MemoryGuardOptions,
  type MemoryGuardState,
  memoryGuardConfigSchema,
  memoryGuardThresholds,
} from './index.js'

const MiB = 1024 * 1024

/** A guard on a manual clock whose memory figures the test sets. */
function rig(o: Partial<MemoryGuardOptions> = {}) {
  const clock = new ManualClock()
  const wheel = new TimerWheel({ clock })
  const mem: GuardedMemory = { rss: 100 * MiB, heapUsed: 50 * MiB }
  const warns: { obj: Record<string, unknown>; msg: string }[] = []
  const logger = {
    warn: (obj: Record<string, unknown>, msg: string) => warns.push({ obj, msg }),
  } as unknown as Logger
  const alerts: AlertInput[] = []
  const changes: MemoryGuardState[] = []
  const guard = new MemoryGuard({
    scope: 'test#1',
    rssBytes: 200 * MiB,
    heapBytes: 0,
    sampleMs: 1000,
    timers: wheel,
    logger,
    onAlert: (a) => alerts.push(a),
    onChange: (s) => changes.push(s),
    read: () => ({ ...mem }),
    ...o,
  })
  /** Let `ms` pass on the clock and fire what fell due. */
  const pass = (ms: number) => {
    clock.advance(ms)
    wheel.advance()
  }
  return { guard, mem, pass, warns, alerts, changes, wheel }
}

describe('MemoryGuard', () => {
  it('samples on the timer and goes over at the threshold, back under only below resumeRatio of it', () => {
    const { guard, mem, pass, warns, alerts, changes } = rig()
    guard.start()
    expect(guard.state).toBe('normal')
    // Just under: nothing happens, sample after sample.
    mem.rss = 200 * MiB - 1
    pass(1000)
    pass(1000)
    expect(guard.over).toBe(false)
    // At the threshold: over on the next sample, not before it.
    mem.rss = 200 * MiB
    pass(999)
    expect(guard.over).toBe(false)
    pass(1)
    expect(guard.state).toBe('over')
    expect(guard.last.rss).toBe(200 * MiB)
    // Hovering between 90% and 100% of the threshold: still over (no flapping).
    for (const rss of [195, 181, 199, 180.5]) {
      mem.rss = rss * MiB
      pass(1000)
      expect(guard.over, `rss ${rss} MiB`).toBe(true)
    }
    // Below 90%: back to normal.
    mem.rss = 179 * MiB
    pass(1000)
    expect(guard.state).toBe('normal')
    // Once over and once back: one change, one line and one alert each way.
    expect(changes).toEqual(['over', 'normal'])
    expect(guard.entered).toBe(1)
    expect(warns.map((w) => w.msg)).toEqual([
      'memory guard: over the threshold; new work is held back',
      'memory guard: back under the threshold; new work taken again',
    ])
    expect(warns[0]!.obj).toMatchObject({
      scope: 'test#1',
      tripped: 'rss',
      rss: 200 * MiB,
      rssBytes: 200 * MiB,
    })
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ kind: 'memory-pressure', severity: 'warning' })
    // Normal again, between 90% and 100%: stays normal.
    mem.rss = 190 * MiB
    pass(1000)
    expect(guard.over).toBe(false)
  })

  it('watches the heap the same way, and counts held-back work only while over', () => {
    const { guard, mem, pass } = rig({ rssBytes: 0, heapBytes: 64 * MiB, resumeRatio: 0.5 })
    guard.start()
    // The RSS threshold is off: any RSS is fine.
    mem.rss = 10_000 * MiB
    pass(1000)
    expect(guard.over).toBe(false)
    expect(guard.holdBack()).toBe(false)
    mem.heapUsed = 70 * MiB
    pass(1000)
    expect(guard.over).toBe(true)
    expect(guard.holdBack()).toBe(true)
    expect(guard.holdBack()).toBe(true)
    mem.heapUsed = 40 * MiB
    pass(1000)
    expect(guard.over).toBe(true)
    mem.heapUsed = 31 * MiB
    pass(1000)
    expect(guard.over).toBe(false)
    expect(guard.holdBack()).toBe(false)
    expect(guard.heldBack).toBe(2)
  })

  it('is over at start when the process already is, and stops sampling when stopped', () => {
    const { guard, mem, pass, wheel } = rig()
    mem.rss = 300 * MiB
    guard.start()
    expect(guard.over).toBe(true)
    guard.stop()
    expect(wheel.size).toBe(0)
    mem.rss = 1
    pass(10_000)
    expect(guard.over).toBe(true)
  })

  it('is exported as metrics under its scope', async () => {
    const { guard, mem } = rig()
    const m = new Metrics({ processMetrics: false })
    const unexport = registerMemoryGuardMetrics(m, guard)
    guard.sample()
    expect(await m.text()).toContain('tessera_memory_guard_over{scope="test#1"} 0')
    mem.rss = 250 * MiB
    guard.sample()
    guard.holdBack()
    const text = await m.text()
    expect(text).toContain('tessera_memory_guard_over{scope="test#1"} 1')
    expect(text).toContain(`tessera_memory_guard_threshold_bytes{scope="test#1",kind="rss"} ${200 * MiB}`)
    expect(text).toContain('tessera_memory_guard_threshold_bytes{scope="test#1",kind="heap"} 0')
    expect(text).toContain('tessera_memory_guard_entered{scope="test#1"} 1')
    expect(text).toContain('tessera_memory_guard_held_back{scope="test#1"} 1')
    unexport()
    expect(await m.text()).not.toContain('scope="test#1"')
  })

  it('reads its config: heap threshold by default a share of the heap limit, 0 turns one off', () => {
    const d = memoryGuardConfigSchema.parse({})
    expect(d).toMatchObject({ rssBytes: 0, resumeRatio: 0.9, sampleMs: 1000 })
    const limit = getHeapStatistics().heap_size_limit
    expect(memoryGuardThresholds(d)).toEqual({
      rssBytes: 0,
      heapBytes: Math.floor(limit * DEFAULT_HEAP_FRACTION),
    })
    expect(memoryGuardThresholds(memoryGuardConfigSchema.parse({ heapBytes: 0, rssBytes: 5 }))).toEqual({
      rssBytes: 5,
      heapBytes: 0,
    })
    expect(() => memoryGuardConfigSchema.parse({ resumeRatio: 1 })).toThrow()
    expect(() => rig({ resumeRatio: 1 })).toThrow(RangeError)
    expect(() => rig({ resumeRatio: 0 })).toThrow(RangeError)
    expect(() => memoryGuardConfigSchema.parse({ rssBytes: 1, extra: 1 })).toThrow()
  })
})
