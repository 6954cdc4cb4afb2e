import { describe, expect, it } from 'vitest'
import { Calendar, type CalendarEvent } from './calendar.js'
import { ManualClock } from './clock.js'
import { TimerBadOptions } from './errors.js'
import { PERIOD_UNITS, type ResetConfig, resetInstant } from './period.js'
import { TimerWheel } from './timer-wheel.js'
import { DAY_MS, dateOfEpochDay, epochDay } from './zone.js'

const HOUR = 3_600_000
const MIN = 60_000
const utc = (iso: string) => Date.parse(`${iso}Z`)
const dayOf = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number)
  return epochDay({ year: y!, month: m!, day: d! })
}
const label = (d: number) => {
  const x = dateOfEpochDay(d)
  return `${x.year}-${String(x.month).padStart(2, '0')}-${String(x.day).padStart(2, '0')}`
}

function setup(startIso: string, cfg: ResetConfig, extra: { maxCheckMs?: number } = {}) {
  const clock = new ManualClock(utc(startIso))
  const wheel = new TimerWheel({ clock })
  const errors: unknown[] = []
  const cal = new Calendar({ wheel, clock, ...cfg, ...extra, onError: (e) => errors.push(e) })
  const events: (CalendarEvent & { at: number })[] = []
  for (const u of PERIOD_UNITS) cal.on(u, (e) => events.push({ ...e, at: clock.now() }))
  /** Move time forward in steps of `stepMs` for `totalMs`, running the wheel after each. */
  const run = (totalMs: number, stepMs: number) => {
    for (let t = 0; t < totalMs; t += stepMs) {
      clock.advance(Math.min(stepMs, totalMs - t))
      wheel.advance()
    }
  }
  const days = () => events.filter((e) => e.unit === 'day').map((e) => label(e.key))
  return { clock, wheel, cal, events, errors, run, days }
}

describe('Calendar', () => {
  it('emits day, week, month and year starts at the reset hour in Asia/Shanghai', () => {
    const cfg = { hour: 5, timeZone: 'Asia/Shanghai' }
    // Tuesday 2026-12-29 12:00 local.
    const { cal, events, run, days } = setup('2026-12-29T04:00:00', cfg)
    cal.start()
    run(9 * DAY_MS, 10 * MIN)
    expect(days()).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
      '2027-01-03',
      '2027-01-04',
      '2027-01-05',
      '2027-01-06',
      '2027-01-07',
    ])
    const newYear = events.filter((e) => e.start === utc('2026-12-31T21:00:00')).map((e) => [e.unit, e.key])
    expect(newYear).toEqual([
      ['day', dayOf('2027-01-01')],
      ['month', 2027 * 12],
      ['year', 2027],
    ])
    const weeks = events.filter((e) => e.unit === 'week')
    expect(weeks.map((e) => e.start)).toEqual([utc('2027-01-03T21:00:00')]) // Monday 2027-01-04 05:00
    for (const e of events) {
      expect(e.catchUp).toBe(false)
      // Emitted within one step of the reset, never before it.
      expect(e.at).toBeGreaterThanOrEqual(e.start)
      expect(e.at - e.start).toBeLessThanOrEqual(10 * MIN)
    }
  })

  for (const [zone, spring, fall] of [
    ['Europe/Berlin', '2026-03-26', '2026-10-22'],
    ['America/New_York', '2026-03-05', '2026-10-29'],
  ] as const) {
    for (const [h, m] of [
      [2, 30],
      [1, 30],
    ] as const) {
      it(`emits one day per calendar day across both DST changes in ${zone}, reset ${h}:${m}`, () => {
        const cfg = { hour: h, minute: m, timeZone: zone }
        for (const start of [spring, fall]) {
          const { cal, events, run, days } = setup(`${start}T12:00:00`, cfg)
          cal.start()
          run(6 * DAY_MS, 5 * MIN)
          const first = dayOf(start) + 1
          expect(days()).toEqual([0, 1, 2, 3, 4, 5].map((i) => label(first + i)))
          for (const e of events.filter((x) => x.unit === 'day')) {
            expect(e.start).toBe(resetInstant(e.key, cfg))
            expect(e.at - e.start).toBeGreaterThanOrEqual(0)
            expect(e.at - e.start).toBeLessThanOrEqual(5 * MIN)
          }
        }
      })
    }
  }

  it('emits every crossed period once, in order, after the wall clock jumps forward', () => {
    const { cal, events, run, clock, wheel, days } = setup('2026-02-25T00:00:00', {
      hour: 5,
      timeZone: 'Asia/Shanghai',
    })
    cal.start()
    clock.setWall(clock.now() + 10 * DAY_MS) // NTP step: wall moves, monotonic does not
    run(60_000, 60_000) // the next check (maxCheckMs) notices
    expect(days()).toEqual([
      '2026-02-26',
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
    ])
    expect(events.filter((e) => e.unit === 'day').map((e) => e.catchUp)).toEqual([
      ...Array(9).fill(true),
      false,
    ])
    expect(events.filter((e) => e.unit === 'month').map((e) => e.key)).toEqual([2026 * 12 + 2])
    expect(events.filter((e) => e.unit === 'week').map((e) => e.start)).toEqual([utc('2026-03-01T21:00:00')])
    const order = events.filter((e) => e.start === utc('2026-02-28T21:00:00')).map((e) => e.unit)
    expect(order).toEqual(['day', 'month'])
    expect(wheel.size).toBe(1) // exactly one pending check
  })

  it('never emits a period twice when the wall clock steps backwards', () => {
    const { cal, clock, run, days } = setup('2026-06-01T00:00:00', { hour: 5, timeZone: 'Asia/Shanghai' })
    cal.start()
    run(2 * DAY_MS, 10 * MIN)
    expect(days()).toEqual(['2026-06-02', '2026-06-03'])
    clock.setWall(clock.now() - 2 * DAY_MS)
    run(2 * DAY_MS, 10 * MIN) // re-lives 06-02 and 06-03
    expect(days()).toEqual(['2026-06-02', '2026-06-03'])
    run(DAY_MS, 10 * MIN)
    expect(days()).toEqual(['2026-06-02', '2026-06-03', '2026-06-04'])
  })

  it('catches up from a persisted time on start(sinceMs)', () => {
    const { cal, events, days } = setup('2026-06-03T12:00:00', { hour: 5, timeZone: 'Asia/Shanghai' })
    cal.start(utc('2026-06-01T12:00:00'))
    expect(days()).toEqual(['2026-06-02', '2026-06-03'])
    expect(events.map((e) => e.catchUp)).toEqual([true, false])
    expect(cal.currentDay).toBe(dayOf('2026-06-03'))
  })

  it('keeps going when a listener throws, and can be stopped from a listener', () => {
    const { cal, errors, run, wheel, days } = setup('2026-06-01T00:00:00', {
      hour: 5,
      timeZone: 'Asia/Shanghai',
    })
    const off = cal.on('day', () => {
      throw new Error('listener')
    })
    cal.start()
    run(DAY_MS, HOUR)
    expect(days()).toEqual(['2026-06-02'])
    expect(errors).toHaveLength(1)
    off()
    cal.on('day', () => cal.stop())
    run(DAY_MS, HOUR)
    expect(days()).toEqual(['2026-06-02', '2026-06-03'])
    expect(wheel.size).toBe(0)
    run(3 * DAY_MS, HOUR)
    expect(days()).toEqual(['2026-06-02', '2026-06-03'])
  })

  it('stops catching up when a listener stops the calendar', () => {
    const { cal, clock, run, days } = setup('2026-06-01T00:00:00', { hour: 5, timeZone: 'Asia/Shanghai' })
    cal.on('day', (e) => {
      if (label(e.key) === '2026-06-04') cal.stop()
    })
    cal.start()
    clock.setWall(clock.now() + 10 * DAY_MS)
    run(60_000, 60_000)
    expect(days()).toEqual(['2026-06-02', '2026-06-03', '2026-06-04'])
    expect(cal.currentDay).toBe(dayOf('2026-06-04'))
  })

  it('validates its options', () => {
    const clock = new ManualClock()
    const wheel = new TimerWheel({ clock })
    expect(() => new Calendar({ wheel, clock, hour: 25, timeZone: 'UTC' })).toThrow(TimerBadOptions)
    expect(() => new Calendar({ wheel, clock, hour: 5, timeZone: 'UTC', maxCheckMs: 0 })).toThrow(
      TimerBadOptions,
    )
    const cal = new Calendar({ wheel, clock, hour: 5, timeZone: 'UTC' })
    expect(() => cal.on('fortnight' as never, () => {})).toThrow(TimerBadOptions)
    expect(cal.config).toEqual({ hour: 5, minute: 0, timeZone: 'UTC', weekStart: 1 })
  })
})
