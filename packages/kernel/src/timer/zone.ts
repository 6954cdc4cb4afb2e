import { TimerBadTimeZone } from './errors.js'

// Time-zone arithmetic on Intl.DateTimeFormat only (no tz database of our own).
// Offsets are found by formatting an instant in the zone and reading the
// local wall time back as if it were UTC.

/** A local calendar date; month 1..12. */
export interface LocalDate {
  year: number
  month: number
  day: number
}

/** A local wall-clock time in some zone. */
export interface LocalTime extends LocalDate {
  hour: number
  minute: number
  second: number
}

export const DAY_MS = 86_400_000

// Formatters are costly to build and immutable once built, so they are memoised
// per zone; the cache holds no state that changes behaviour.
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
    } catch (cause) {
      throw TimerBadTimeZone.with({ cause }, timeZone)
    }
    formatters.set(timeZone, f)
  }
  return f
}

/** Throw TIMER_BAD_TIME_ZONE unless Intl knows `timeZone`. */
export function checkTimeZone(timeZone: string): void {
  formatter(timeZone)
}

/** Local wall time of instant `ms` in `timeZone`. */
export function localTime(ms: number, timeZone: string): LocalTime {
  const t: LocalTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 }
  for (const p of formatter(timeZone).formatToParts(ms)) {
    switch (p.type) {
      case 'year':
        t.year = Number(p.value)
        break
      case 'month':
        t.month = Number(p.value)
        break
      case 'day':
        t.day = Number(p.value)
        break
      case 'hour':
        t.hour = Number(p.value)
        break
      case 'minute':
        t.minute = Number(p.value)
        break
      case 'second':
        t.second = Number(p.value)
        break
    }
  }
  return t
}

/** UTC offset (local − UTC, in ms) in force at instant `ms`. */
export function offsetAt(ms: number, timeZone: string): number {
  const t = localTime(ms, timeZone)
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second)
  return wall - (ms - (((ms % 1000) + 1000) % 1000))
}

/**
 * The earliest instant whose local wall time in `timeZone` is at or after the
 * given local time (written as UTC milliseconds, `Date.UTC(y, m-1, d, h, min)`).
 *
 * - normal: the one instant with that wall time;
 * - fall-back (the wall time happens twice): the first occurrence;
 * - spring-forward (the wall time does not exist): the transition instant,
 *   i.e. the first moment the clocks show a later time.
 *
 * Assumes at most one offset change within a day either side, true of every
 * zone in the tz database since the 1900s.
 */
export function firstInstantAtOrAfter(localAsUtc: number, timeZone: string): number {
  const offsets = [
    offsetAt(localAsUtc - DAY_MS, timeZone),
    offsetAt(localAsUtc, timeZone),
    offsetAt(localAsUtc + DAY_MS, timeZone),
  ]
  let best = Number.POSITIVE_INFINITY
  for (const o of new Set(offsets)) {
    const t = localAsUtc - o
    if (t < best && offsetAt(t, timeZone) === o) best = t
  }
  if (best !== Number.POSITIVE_INFINITY) return best
  // In a gap: local(t) = t + offset(t) jumps over the wanted wall time between
  // these two instants; find the jump to the second (offsets change on whole seconds).
  let lo = localAsUtc - Math.max(...offsets)
  let hi = localAsUtc - Math.min(...offsets)
  lo = Math.floor(lo / 1000) * 1000
  hi = Math.ceil(hi / 1000) * 1000
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000
    if (mid + offsetAt(mid, timeZone) >= localAsUtc) hi = mid
    else lo = mid
  }
  return hi
}

/** Days since 1970-01-01 of a calendar date (proleptic Gregorian). */
export function epochDay(d: LocalDate): number {
  return Date.UTC(d.year, d.month - 1, d.day) / DAY_MS
}

/** Calendar date of an epoch day. */
export function dateOfEpochDay(day: number): LocalDate {
  const u = new Date(day * DAY_MS)
  return { year: u.getUTCFullYear(), month: u.getUTCMonth() + 1, day: u.getUTCDate() }
}

/** ISO weekday of an epoch day: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1
}
