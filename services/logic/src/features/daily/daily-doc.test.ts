import { gameDay, periodKey, periodKeyOfDay, type ResetConfig } from '@tessera/kernel'
import { describe, expect, it } from 'vitest'
import { applyResets, countTask, type DailyDoc, newDailyDoc } from './daily-doc.js'

const REWARD = 100

/** Apply what is due at instant `ms` under `cfg`, as the feature does. */
function at(doc: DailyDoc, ms: number, cfg: ResetConfig) {
  const day = gameDay(ms, cfg)
  return applyResets(doc, day, periodKeyOfDay(day, 'week', cfg), REWARD)
}

function signedIn(ms: number, cfg: ResetConfig): DailyDoc {
  const r = at(newDailyDoc(), ms, cfg)
  if (r === null) throw new Error('first sign-in did not apply')
  return r.doc
}

describe('applyResets', () => {
  const utc: ResetConfig = { hour: 5, timeZone: 'UTC' }
  const t0 = Date.UTC(2026, 5, 10, 12) // Wednesday, game day of June 10

  it('grants the first sign-in once and reports no day crossed', () => {
    const r = at(newDailyDoc(), t0, utc)!
    expect(r).toMatchObject({ daysCrossed: 0, weeksCrossed: 0, rewardCoins: REWARD })
    expect(r.doc).toMatchObject({ coins: REWARD, signIns: 1, streak: 1, day: gameDay(t0, utc) })
    expect(at(r.doc, t0 + 3600_000, utc)).toBeNull()
  })

  it('applies one reset after one day, once, and keeps the streak', () => {
    let doc = countTask(signedIn(t0, utc), 1, 5)
    const r = at(doc, t0 + 86_400_000, utc)!
    expect(r).toMatchObject({ daysCrossed: 1, rewardCoins: REWARD })
    doc = r.doc
    expect(doc).toMatchObject({ coins: 2 * REWARD, signIns: 2, streak: 2, dayTasks: {} })
    // The same week: weekly counters stay.
    expect(doc.weekTasks).toEqual({ 1: 5 })
    expect(at(doc, t0 + 86_400_000 + 1000, utc)).toBeNull()
  })

  it('applies three missed resets together, once: one reward, the streak broken', () => {
    const doc = countTask(signedIn(t0, utc), 2, 3)
    const r = at(doc, t0 + 3 * 86_400_000, utc)!
    expect(r).toMatchObject({ daysCrossed: 3, weeksCrossed: 0, rewardCoins: REWARD })
    expect(r.doc).toMatchObject({ coins: 2 * REWARD, signIns: 2, streak: 1, dayTasks: {} })
    expect(at(r.doc, t0 + 3 * 86_400_000, utc)).toBeNull()
  })

  it('starts a new week: weekly counters cleared, weeks crossed counted', () => {
    const doc = countTask(signedIn(t0, utc), 2, 3)
    const later = t0 + 13 * 86_400_000 // two week starts later (Mondays June 15 and 22)
    const r = at(doc, later, utc)!
    expect(r.weeksCrossed).toBe(periodKey(later, 'week', utc) - periodKey(t0, 'week', utc))
    expect(r.weeksCrossed).toBe(2)
    expect(r.doc.weekTasks).toEqual({})
  })

  it('the reset hour decides the day: 04:59 still belongs to yesterday', () => {
    const doc = signedIn(t0, utc)
    expect(at(doc, Date.UTC(2026, 5, 11, 4, 59), utc)).toBeNull()
    expect(at(doc, Date.UTC(2026, 5, 11, 5, 0), utc)?.daysCrossed).toBe(1)
  })

  it('a wall clock stepped back resets nothing', () => {
    const doc = at(signedIn(t0, utc), t0 + 2 * 86_400_000, utc)!.doc
    expect(at(doc, t0 + 86_400_000, utc)).toBeNull()
    expect(at(doc, t0, utc)).toBeNull()
  })

  describe('across DST (Europe/Berlin, reset 02:30 local)', () => {
    const berlin: ResetConfig = { hour: 2, minute: 30, timeZone: 'Europe/Berlin' }

    it('spring forward: 02:30 does not exist on March 29; the day begins when clocks jump, once', () => {
      const doc = signedIn(Date.UTC(2026, 2, 28, 12), berlin)
      // 01:59 CET, before the jump: still March 28.
      expect(at(doc, Date.UTC(2026, 2, 29, 0, 59), berlin)).toBeNull()
      // 03:00 CEST: March 29 began.
      const r = at(doc, Date.UTC(2026, 2, 29, 1, 0), berlin)!
      expect(r.daysCrossed).toBe(1)
      // The rest of the (23-hour) day resets nothing more.
      expect(at(r.doc, Date.UTC(2026, 2, 29, 23, 59), berlin)).toBeNull()
      expect(at(r.doc, Date.UTC(2026, 2, 30, 0, 30), berlin)?.daysCrossed).toBe(1)
    })

    it('fall back: 02:30 happens twice on October 25; only the first is a reset', () => {
      const doc = signedIn(Date.UTC(2026, 9, 24, 12), berlin)
      // 02:30 CEST = 00:30 UTC: the reset.
      const r = at(doc, Date.UTC(2026, 9, 25, 0, 30), berlin)!
      expect(r.daysCrossed).toBe(1)
      // 02:30 CET = 01:30 UTC, the second 02:30: no second reset.
      expect(at(r.doc, Date.UTC(2026, 9, 25, 1, 30), berlin)).toBeNull()
      // The 25-hour day ends at 02:30 CET on the 26th.
      expect(at(r.doc, Date.UTC(2026, 9, 26, 1, 29), berlin)).toBeNull()
      expect(at(r.doc, Date.UTC(2026, 9, 26, 1, 30), berlin)?.daysCrossed).toBe(1)
    })

    it('away across both changes: one catch-up with the exact number of days', () => {
      const doc = signedIn(Date.UTC(2026, 2, 1, 12), berlin)
      const r = at(doc, Date.UTC(2026, 10, 1, 12), berlin)!
      expect(r.daysCrossed).toBe(245)
      expect(r.doc.coins).toBe(2 * REWARD)
    })
  })
})

describe('countTask', () => {
  it('counts per task for the day and the week, in a new document', () => {
    const a = newDailyDoc()
    const b = countTask(countTask(a, 1, 2), 1, 3)
    expect(b.dayTasks).toEqual({ 1: 5 })
    expect(b.weekTasks).toEqual({ 1: 5 })
    expect(a.dayTasks).toEqual({})
  })
})
