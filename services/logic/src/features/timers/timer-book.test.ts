import { describe, expect, it } from 'vitest'
import { addTimer, cancelTimer, dueTimers, fireTimer, newTimerBook, type TimerBook } from './timer-book.js'
import { TimerKinds } from './timer-kinds.js'

const plusOne = (level: number) => level + 1

function add(book: TimerBook, key: string, dueMs: number, max = 8) {
  return addTimer(book, { kind: 'upgrade', key, setMs: 0, dueMs }, max)
}

describe('timer book', () => {
  it('hands out ids that are never reused, even after a cancel', () => {
    let b = add(newTimerBook(), 'a', 10).book
    b = cancelTimer(b, 1).book
    const r = add(b, 'b', 20)
    expect(r.timer.id).toBe(2)
    expect(r.book.pending.map((t) => t.id)).toEqual([2])
  })

  it('fires a timer once: removed and its effect applied in the same new book', () => {
    const b = add(add(newTimerBook(), 'barracks', 10).book, 'barracks', 20).book
    const f1 = fireTimer(b, 1, plusOne)!
    expect(f1.level).toBe(1)
    expect(f1.book.pending.map((t) => t.id)).toEqual([2])
    expect(f1.book.effects).toEqual({ 'upgrade/barracks': 1 })
    // Firing it again is a no-op: the fired mark is its absence from pending.
    expect(fireTimer(f1.book, 1, plusOne)).toBeNull()
    expect(fireTimer(f1.book, 2, plusOne)!.book.effects).toEqual({ 'upgrade/barracks': 2 })
    // The input book is unchanged (the caller assigns the new one in one write).
    expect(b.pending).toHaveLength(2)
  })

  it('lists due timers soonest first, ties in the order set', () => {
    let b = newTimerBook()
    for (const [k, due] of [
      ['a', 30],
      ['b', 10],
      ['c', 10],
      ['d', 99],
    ] as const)
      b = add(b, k, due).book
    expect(dueTimers(b, 30).map((t) => t.key)).toEqual(['b', 'c', 'a'])
  })

  it('refuses a key that is empty, too long or not an identifier', () => {
    expect(() => add(newTimerBook(), '', 1)).toThrow(expect.objectContaining({ code: 'TIMERS_BAD_KEY' }))
    expect(() => add(newTimerBook(), 'x'.repeat(33), 1)).toThrow(
      expect.objectContaining({ code: 'TIMERS_BAD_KEY' }),
    )
    expect(add(newTimerBook(), 'x'.repeat(32), 1).timer.key).toHaveLength(32)
    expect(() => add(newTimerBook(), 'a/b', 1)).toThrow(expect.objectContaining({ code: 'TIMERS_BAD_KEY' }))
    expect(() => add(newTimerBook(), 'a\u0000', 1)).toThrow(
      expect.objectContaining({ code: 'TIMERS_BAD_KEY' }),
    )
  })

  it('caps the pending timers of a player', () => {
    let b = newTimerBook()
    for (let i = 0; i < 3; i++) b = add(b, `k${i}`, 1, 3).book
    expect(() => add(b, 'more', 1, 3)).toThrow(expect.objectContaining({ code: 'TIMERS_TOO_MANY' }))
    // A fired timer frees its place.
    expect(add(fireTimer(b, 1, plusOne)!.book, 'more', 1, 3).timer.id).toBe(4)
  })

  it('refuses to cancel a timer that is not pending', () => {
    const b = add(newTimerBook(), 'a', 1).book
    expect(() => cancelTimer(b, 7)).toThrow(expect.objectContaining({ code: 'TIMERS_NOT_FOUND' }))
    const fired = fireTimer(b, 1, plusOne)!.book
    expect(() => cancelTimer(fired, 1)).toThrow(expect.objectContaining({ code: 'TIMERS_NOT_FOUND' }))
  })
})

describe('TimerKinds', () => {
  it('defines a kind once', () => {
    const k = new TimerKinds()
    k.define('upgrade', plusOne)
    expect(k.has('upgrade')).toBe(true)
    expect(k.effect('upgrade')).toBe(plusOne)
    expect(() => k.define('upgrade', plusOne)).toThrow(expect.objectContaining({ code: 'TIMERS_KIND_TAKEN' }))
    expect(k.effect('teleport')).toBeUndefined()
  })
})
