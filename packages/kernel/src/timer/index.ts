// Timers: a hierarchical timing wheel for millions of one-shot and repeating
// timers (O(1) add/cancel, one driver timeout), and calendar periods (game
// day/week/month/year from a reset hour in an IANA zone, DST-correct) with
// pure functions for "has this player been reset since…" checks.
export { Calendar, type CalendarEvent, type CalendarListener, type CalendarOptions } from './calendar.js'
export { type Clock, ManualClock, systemClock, TurnCachedClock } from './clock.js'
export {
  TimerBadDelay,
  TimerBadInterval,
  TimerBadOptions,
  TimerBadTimeZone,
  TimerCapacity,
} from './errors.js'
export {
  checkResetConfig,
  gameDay,
  nextReset,
  PERIOD_UNITS,
  type Period,
  type PeriodUnit,
  periodAt,
  periodKey,
  periodKeyOfDay,
  periodOfDay,
  type ResetConfig,
  resetInstant,
  samePeriod,
  startsPeriod,
} from './period.js'
export { type Scheduler, systemTimers } from './scheduler.js'
export {
  type EveryOptions,
  type TimerCallback,
  type TimerHandle,
  TimerWheel,
  type TimerWheelOptions,
} from './timer-wheel.js'
export {
  dateOfEpochDay,
  epochDay,
  isoWeekday,
  type LocalDate,
  type LocalTime,
  localTime,
  offsetAt,
} from './zone.js'
