import { ManualClock, TimerWheel } from '@tessera/kernel'
import { describe, expect, it } from 'vitest'
import type { BookTimer } from './timer-book.js'
import { TimerSchedule } from './timer-schedule.js'

function timer(id: number, dueMs: number): BookTimer {
  return { id, kind: 'upgrade', key: `k${id}`, setMs: 0, dueMs }
}

function setup() {
  const clock = new ManualClock(1_000_000)
  const wheel = new TimerWheel({ clock })
  const due: [bigint, number][] = []
  const s = new TimerSchedule(wheel, clock, (uid, id) => due.push([uid, id]))
  const step = (ms: number) => {
    clock.advance(ms)
    wheel.advance()
  }
  return { clock, wheel, s, due, step }
}

describe('TimerSchedule', () => {
  it('calls back once per timer when its wall-clock due time is reached', () => {
    const { s, due, step, wheel } = setup()
    s.add(1n, timer(1, 1_000_000 + 8 * 3600_000)) // "upgrade finishes in 8 h"
    s.add(2n, timer(1, 1_000_500))
    expect(s.size).toBe(2)
    step(499)
    expect(due).toEqual([])
    step(1)
    expect(due).toEqual([[2n, 1]])
    step(8 * 3600_000)
    expect(due).toEqual([
      [2n, 1],
      [1n, 1],
    ])
    expect(s.size).toBe(0)
    expect(wheel.size).toBe(0)
  })

  it('a timer already due is called back at the next tick', () => {
    const { s, due, step } = setup()
    s.add(1n, timer(1, 5))
    step(1)
    expect(due).toEqual([[1n, 1]])
  })

  it('remove and drop take timers off the wheel: nothing fires for a player who left', () => {
    const { s, due, step, wheel } = setup()
    s.add(1n, timer(1, 1_000_100))
    s.add(1n, timer(2, 1_000_100))
    s.add(2n, timer(1, 1_000_100))
    s.remove(2n, 1)
    expect(s.drop(1n)).toBe(2)
    expect(s.size).toBe(0)
    expect(wheel.size).toBe(0)
    step(1000)
    expect(due).toEqual([])
  })

  it('adding the same id again replaces the entry (re-armed, fires once)', () => {
    const { s, due, step } = setup()
    s.add(1n, timer(1, 1_000_100))
    s.add(1n, timer(1, 1_000_200))
    expect(s.size).toBe(1)
    step(150)
    expect(due).toEqual([])
    step(100)
    expect(due).toEqual([[1n, 1]])
  })
})
