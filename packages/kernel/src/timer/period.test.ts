import { describe, expect, it } from 'vitest'
import { TimerBadOptions, TimerBadTimeZone } from './errors.js'
import {
  checkResetConfig,
  gameDay,
  nextReset,
  periodAt,
  periodKey,
  type ResetConfig,
  resetInstant,
  samePeriod,
  startsPeriod,
} from './period.js'
import { DAY_MS, epochDay, localTime } from './zone.js'

const HOUR = 3_600_000
const MIN = 60_000
const day = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number)
  return epochDay({ year: y!, month: m!, day: d! })
}
const utc = (iso: string) => Date.parse(`${iso}Z`)

const shanghai: ResetConfig = { hour: 5, timeZone: 'Asia/Shanghai' }
const berlin: ResetConfig = { hour: 2, minute: 30, timeZone: 'Europe/Berlin' }
const newYork: ResetConfig = { hour: 2, minute: 30, timeZone: 'America/New_York' }
const newYorkRepeated: ResetConfig = { hour: 1, minute: 30, timeZone: 'America/New_York' }

describe('reset periods in Asia/Shanghai (no DST)', () => {
  it('starts the game day at the reset hour, local time', () => {
    // 05:00 in Shanghai (UTC+8) is 21:00 UTC the day before.
    expect(resetInstant(day('2026-01-10'), shanghai)).toBe(utc('2026-01-09T21:00:00'))
    expect(gameDay(utc('2026-01-09T20:59:59.999'), shanghai)).toBe(day('2026-01-09'))
    expect(gameDay(utc('2026-01-09T21:00:00'), shanghai)).toBe(day('2026-01-10'))
    expect(nextReset(utc('2026-01-09T20:59:59'), shanghai)).toBe(utc('2026-01-09T21:00:00'))
    expect(nextReset(utc('2026-01-09T21:00:00'), shanghai)).toBe(utc('2026-01-10T21:00:00'))
  })

  it('keys weeks from Monday by default, or from the configured week start', () => {
    // 2026-01-04 is a Sunday, 2026-01-05 a Monday.
    const sunNoon = utc('2026-01-04T04:00:00')
    const monBeforeReset = utc('2026-01-04T20:59:00')
    const monAfterReset = utc('2026-01-04T21:00:00')
    expect(periodKey(sunNoon, 'week', shanghai)).toBe(periodKey(monBeforeReset, 'week', shanghai))
    expect(periodKey(monAfterReset, 'week', shanghai)).toBe(periodKey(sunNoon, 'week', shanghai) + 1)
    const sunday = { ...shanghai, weekStart: 7 }
    expect(periodKey(utc('2026-01-03T20:59:00'), 'week', sunday) + 1).toBe(periodKey(sunNoon, 'week', sunday))
    expect(periodKey(monAfterReset, 'week', sunday)).toBe(periodKey(sunNoon, 'week', sunday))
    const week = periodAt(sunNoon, 'week', shanghai)
    expect(week.start).toBe(utc('2025-12-28T21:00:00')) // Monday 2025-12-29 05:00
    expect(week.end - week.start).toBe(7 * DAY_MS)
    expect(startsPeriod(day('2026-01-05'), 'week', shanghai)).toBe(true)
    expect(startsPeriod(day('2026-01-04'), 'week', sunday)).toBe(true)
  })

  it('crosses month and year at the reset hour of the 1st, not at midnight', () => {
    const beforeReset = utc('2026-12-31T20:59:59') // 2027-01-01 04:59:59 local
    const afterReset = utc('2026-12-31T21:00:00')
    expect(periodKey(beforeReset, 'year', shanghai)).toBe(2026)
    expect(periodKey(afterReset, 'year', shanghai)).toBe(2027)
    expect(periodKey(beforeReset, 'month', shanghai)).toBe(2026 * 12 + 11)
    expect(periodKey(afterReset, 'month', shanghai)).toBe(2027 * 12)
    expect(samePeriod(beforeReset, afterReset, 'day', shanghai)).toBe(false)
    const year = periodAt(afterReset, 'year', shanghai)
    expect(year).toEqual({ unit: 'year', key: 2027, start: afterReset, end: utc('2027-12-31T21:00:00') })
  })

  it('handles the leap day: February 2028 has 29 game days', () => {
    const feb29 = utc('2028-02-29T12:00:00')
    expect(gameDay(feb29, shanghai)).toBe(day('2028-02-29'))
    expect(periodKey(feb29, 'month', shanghai)).toBe(2028 * 12 + 1)
    const feb = periodAt(feb29, 'month', shanghai)
    expect(feb.end - feb.start).toBe(29 * DAY_MS)
    expect(periodKey(utc('2028-02-29T21:00:00'), 'month', shanghai)).toBe(2028 * 12 + 2) // 03-01 05:00
    expect(periodAt(feb29, 'year', shanghai).end - periodAt(feb29, 'year', shanghai).start).toBe(366 * DAY_MS)
  })
})

describe('reset periods across DST', () => {
  it('Europe/Berlin, reset 02:30 in the spring gap: the day starts when clocks jump to 03:00', () => {
    // 2026-03-29 02:00 CET → 03:00 CEST (01:00 UTC).
    expect(resetInstant(day('2026-03-28'), berlin)).toBe(utc('2026-03-28T01:30:00'))
    expect(resetInstant(day('2026-03-29'), berlin)).toBe(utc('2026-03-29T01:00:00'))
    expect(resetInstant(day('2026-03-30'), berlin)).toBe(utc('2026-03-30T00:30:00'))
    expect(gameDay(utc('2026-03-29T00:59:59'), berlin)).toBe(day('2026-03-28'))
    expect(gameDay(utc('2026-03-29T01:00:00'), berlin)).toBe(day('2026-03-29'))
  })

  it('Europe/Berlin, reset 02:30 repeated on fall-back: only the first 02:30 starts a day', () => {
    // 2026-10-25 03:00 CEST → 02:00 CET (01:00 UTC); 02:30 happens at 00:30Z and 01:30Z.
    expect(resetInstant(day('2026-10-25'), berlin)).toBe(utc('2026-10-25T00:30:00'))
    expect(gameDay(utc('2026-10-25T00:29:59'), berlin)).toBe(day('2026-10-24'))
    expect(gameDay(utc('2026-10-25T01:15:00'), berlin)).toBe(day('2026-10-25')) // 02:15 again, CET
    expect(gameDay(utc('2026-10-25T01:30:00'), berlin)).toBe(day('2026-10-25')) // second 02:30
    expect(resetInstant(day('2026-10-26'), berlin)).toBe(utc('2026-10-26T01:30:00'))
  })

  it('America/New_York, reset 02:30 in the March gap and 01:30 in the November repeat', () => {
    // 2026-03-08 02:00 EST → 03:00 EDT (07:00 UTC).
    expect(resetInstant(day('2026-03-08'), newYork)).toBe(utc('2026-03-08T07:00:00'))
    expect(resetInstant(day('2026-03-09'), newYork)).toBe(utc('2026-03-09T06:30:00'))
    // 2026-11-01 02:00 EDT → 01:00 EST: 01:30 happens at 05:30Z and 06:30Z.
    expect(resetInstant(day('2026-11-01'), newYorkRepeated)).toBe(utc('2026-11-01T05:30:00'))
    expect(gameDay(utc('2026-11-01T06:30:00'), newYorkRepeated)).toBe(day('2026-11-01'))
    expect(resetInstant(day('2026-11-02'), newYorkRepeated)).toBe(utc('2026-11-02T06:30:00'))
  })

  const sweeps: [string, ResetConfig][] = [
    ['Asia/Shanghai 05:00', shanghai],
    ['Europe/Berlin 02:30', berlin],
    ['Europe/Berlin 00:00', { hour: 0, timeZone: 'Europe/Berlin' }],
    ['America/New_York 02:30', newYork],
    ['America/New_York 01:30', newYorkRepeated],
    ['Australia/Sydney 02:30', { hour: 2, minute: 30, timeZone: 'Australia/Sydney' }],
    ['Asia/Kolkata 05:30', { hour: 5, minute: 30, timeZone: 'Asia/Kolkata' }],
  ]
  for (const [name, cfg] of sweeps) {
    it(`${name}: every day of 2026 starts exactly once, at its first moment at or after the reset time`, () => {
      const first = day('2026-01-01')
      let prev = resetInstant(first, cfg)
      for (let d = first; d <= day('2027-01-01'); d++) {
        const at = resetInstant(d, cfg)
        if (d > first) {
          expect(at).toBeGreaterThan(prev)
          // A game day lasts 23..25 hours.
          expect(at - prev).toBeGreaterThanOrEqual(23 * HOUR)
          expect(at - prev).toBeLessThanOrEqual(25 * HOUR)
        }
        // Local clocks at the reset show that date, at or after the reset time...
        const local = localTime(at, cfg.timeZone)
        expect(epochDay(local)).toBe(d)
        expect(local.hour * 60 + local.minute).toBeGreaterThanOrEqual(cfg.hour * 60 + (cfg.minute ?? 0))
        // ...and one second earlier they had not reached it (it is the first such moment).
        const before = localTime(at - 1000, cfg.timeZone)
        const beforeMin = before.hour * 60 + before.minute
        expect(epochDay(before) < d || beforeMin < cfg.hour * 60 + (cfg.minute ?? 0)).toBe(true)
        expect(gameDay(at - 1, cfg)).toBe(d - 1)
        expect(gameDay(at, cfg)).toBe(d)
        prev = at
      }
      // Sampled every 10 minutes, the game day only ever moves forward by one.
      const from = resetInstant(first, cfg) - HOUR
      const to = resetInstant(day('2027-01-01'), cfg) + HOUR
      let last = gameDay(from, cfg)
      let crossings = 0
      const jumps: number[] = []
      for (let t = from; t < to; t += 10 * MIN) {
        const g = gameDay(t, cfg)
        if (g - last !== 0 && g - last !== 1) jumps.push(t)
        crossings += g - last
        last = g
      }
      expect(jumps).toEqual([])
      expect(crossings).toBe(366) // 2026-01-01 … 2027-01-01 inclusive
    })
  }
})

describe('reset config checks', () => {
  it('rejects bad hours, minutes, week starts and zones', () => {
    expect(() => checkResetConfig({ hour: 24, timeZone: 'UTC' })).toThrow(TimerBadOptions)
    expect(() => checkResetConfig({ hour: 5, minute: 60, timeZone: 'UTC' })).toThrow(TimerBadOptions)
    expect(() => checkResetConfig({ hour: 5, timeZone: 'UTC', weekStart: 0 })).toThrow(TimerBadOptions)
    expect(() => checkResetConfig({ hour: 5, timeZone: 'Mars/Olympus_Mons' })).toThrow(TimerBadTimeZone)
    expect(() => checkResetConfig({ hour: 5, timeZone: 'Europe/Berlin', weekStart: 7 })).not.toThrow()
  })
})
