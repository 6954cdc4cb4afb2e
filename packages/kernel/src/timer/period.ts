import { TimerBadOptions } from './errors.js'
import {
  checkTimeZone,
  DAY_MS,
  dateOfEpochDay,
  epochDay,
  firstInstantAtOrAfter,
  isoWeekday,
  type LocalDate,
} from './zone.js'

/**
 * When a game day starts: at `hour:minute` local time in `timeZone`.
 * A game day, week, month or year runs from one reset to the next, so with
 * a 05:00 reset, 04:59 on the 2nd still belongs to the 1st.
 */
export interface ResetConfig {
  /** Local hour of the daily reset, 0..23. */
  hour: number
  /** Local minute of the daily reset, 0..59 (default 0). */
  minute?: number
  /** IANA zone, e.g. 'Asia/Shanghai', 'Europe/Berlin'. */
  timeZone: string
  /** First day of the week, ISO numbering: 1 = Monday (default) … 7 = Sunday. */
  weekStart?: number
}

export type PeriodUnit = 'day' | 'week' | 'month' | 'year'

export const PERIOD_UNITS: readonly PeriodUnit[] = ['day', 'week', 'month', 'year']

/** A game period: `key` is a stable integer per period (see {@link periodKey}); [start, end) in epoch ms. */
export interface Period {
  unit: PeriodUnit
  key: number
  start: number
  end: number
}

/** Check a reset config once; throws TIMER_BAD_OPTIONS or TIMER_BAD_TIME_ZONE. */
export function checkResetConfig(cfg: ResetConfig): void {
  const { hour, minute = 0, weekStart = 1 } = cfg
  if (!(Number.isInteger(hour) && hour >= 0 && hour <= 23)) throw new TimerBadOptions(`reset hour ${hour}`)
  if (!(Number.isInteger(minute) && minute >= 0 && minute <= 59))
    throw new TimerBadOptions(`reset minute ${minute}`)
  if (!(Number.isInteger(weekStart) && weekStart >= 1 && weekStart <= 7)) {
    throw new TimerBadOptions(`weekStart ${weekStart} (1 = Monday … 7 = Sunday)`)
  }
  checkTimeZone(cfg.timeZone)
}

/**
 * The instant game day `day` (an epoch day number) begins: its reset time on
 * that local date. In a DST gap that is the moment clocks jump past the reset
 * time; when the reset time happens twice (fall-back), its first occurrence.
 * Either way there is exactly one reset per calendar day, in order.
 */
export function resetInstant(day: number, cfg: ResetConfig): number {
  const key = `${cfg.timeZone}|${cfg.hour}|${cfg.minute ?? 0}`
  let memo = resetMemo.get(key)
  if (memo === undefined) {
    if (resetMemo.size >= MEMO_LIMIT) resetMemo.clear()
    memo = new Map()
    resetMemo.set(key, memo)
  }
  let at = memo.get(day)
  if (at === undefined) {
    const d = dateOfEpochDay(day)
    at = firstInstantAtOrAfter(Date.UTC(d.year, d.month - 1, d.day, cfg.hour, cfg.minute ?? 0), cfg.timeZone)
    if (memo.size >= MEMO_LIMIT) memo.clear()
    memo.set(day, at)
  }
  return at
}

// Reset instants cost several Intl calls each and never change for a given
// zone, time and day, so they are memoised (bounded; a pure cache).
const MEMO_LIMIT = 4096
const resetMemo = new Map<string, Map<number, number>>()

/** Game day (epoch day number of its local date) containing instant `ms`. */
export function gameDay(ms: number, cfg: ResetConfig): number {
  // Reset instants increase with the day and lie within a day and a half of
  // the UTC day's start (offsets are -12..+14 h), so a walk from the UTC day
  // settles in a step or two, on memoised values only.
  let day = Math.floor(ms / DAY_MS)
  while (ms < resetInstant(day, cfg)) day--
  while (ms >= resetInstant(day + 1, cfg)) day++
  return day
}

/** Key of the period of `unit` that game day `day` belongs to. */
export function periodKeyOfDay(day: number, unit: PeriodUnit, cfg: ResetConfig): number {
  switch (unit) {
    case 'day':
      return day
    case 'week':
      return (weekStartDay(day, cfg) - weekAnchor(cfg)) / 7
    case 'month': {
      const d = dateOfEpochDay(day)
      return d.year * 12 + d.month - 1
    }
    case 'year':
      return dateOfEpochDay(day).year
  }
}

/**
 * Stable integer naming the game period containing `ms`; store it and compare
 * later to decide whether a player has been reset since:
 * - day: epoch day number of the game date (days since 1970-01-01);
 * - week: weeks since the first configured week-start day on or after 1970-01-01;
 * - month: year × 12 + (month − 1);
 * - year: the year.
 */
export function periodKey(ms: number, unit: PeriodUnit, cfg: ResetConfig): number {
  return periodKeyOfDay(gameDay(ms, cfg), unit, cfg)
}

/** The game period of `unit` containing `ms`, with its bounds. */
export function periodAt(ms: number, unit: PeriodUnit, cfg: ResetConfig): Period {
  return periodOfDay(gameDay(ms, cfg), unit, cfg)
}

/** The period of `unit` that game day `day` belongs to. */
export function periodOfDay(day: number, unit: PeriodUnit, cfg: ResetConfig): Period {
  const [first, next] = dayRange(day, unit, cfg)
  return {
    unit,
    key: periodKeyOfDay(day, unit, cfg),
    start: resetInstant(first, cfg),
    end: resetInstant(next, cfg),
  }
}

/** The next daily reset strictly after `ms`. */
export function nextReset(ms: number, cfg: ResetConfig): number {
  return resetInstant(gameDay(ms, cfg) + 1, cfg)
}

/** Whether instants `a` and `b` fall in the same game period of `unit`. */
export function samePeriod(a: number, b: number, unit: PeriodUnit, cfg: ResetConfig): boolean {
  return periodKey(a, unit, cfg) === periodKey(b, unit, cfg)
}

/** Whether game day `day` is the first day of its period of `unit`. */
export function startsPeriod(day: number, unit: PeriodUnit, cfg: ResetConfig): boolean {
  return dayRange(day, unit, cfg)[0] === day
}

/** First game day of the period of `unit` holding `day`, and the first of the next one. */
function dayRange(day: number, unit: PeriodUnit, cfg: ResetConfig): [number, number] {
  switch (unit) {
    case 'day':
      return [day, day + 1]
    case 'week': {
      const first = weekStartDay(day, cfg)
      return [first, first + 7]
    }
    case 'month': {
      const d = dateOfEpochDay(day)
      return [epochDay({ year: d.year, month: d.month, day: 1 }), epochDay(nextMonth(d))]
    }
    case 'year': {
      const y = dateOfEpochDay(day).year
      return [epochDay({ year: y, month: 1, day: 1 }), epochDay({ year: y + 1, month: 1, day: 1 })]
    }
  }
}

function nextMonth(d: LocalDate): LocalDate {
  return d.month === 12
    ? { year: d.year + 1, month: 1, day: 1 }
    : { year: d.year, month: d.month + 1, day: 1 }
}

function weekStartDay(day: number, cfg: ResetConfig): number {
  return day - ((isoWeekday(day) - (cfg.weekStart ?? 1) + 7) % 7)
}

/** Epoch day of the first configured week-start day on or after 1970-01-01 (a Thursday). */
function weekAnchor(cfg: ResetConfig): number {
  return ((cfg.weekStart ?? 1) - 4 + 7) % 7
}
