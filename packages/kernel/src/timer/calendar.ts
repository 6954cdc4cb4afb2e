import type { Clock } from './clock.js'
import { TimerBadOptions } from './errors.js'
import {
  checkResetConfig,
  gameDay,
  PERIOD_UNITS,
  type PeriodUnit,
  periodKeyOfDay,
  periodOfDay,
  type ResetConfig,
  resetInstant,
} from './period.js'
import type { TimerHandle, TimerWheel } from './timer-wheel.js'

/** A game period that has just begun. */
export interface CalendarEvent {
  unit: PeriodUnit
  /** The new period's key (see periodKey()). */
  key: number
  /** When the new period began (epoch ms). */
  start: number
  /** When it will end (epoch ms). */
  end: number
  /** True when announced late: the game day it began on is already over (clock jump, restart with sinceMs). */
  catchUp: boolean
}

export type CalendarListener = (event: CalendarEvent) => void

export interface CalendarOptions extends ResetConfig {
  /** Drives the checks; its clock should be the one passed here. */
  wheel: TimerWheel
  /** Wall time (`now()`) decides the period; the wheel's monotonic time only wakes the calendar. */
  clock: Clock
  /**
   * Longest sleep between checks in ms (default 60 000), so a wall-clock step
   * (NTP, manual change) is noticed within this time even far from a reset.
   */
  maxCheckMs?: number
  /** Receives what a listener threw; the other listeners still run. Default: stderr. */
  onError?: (err: unknown, event: CalendarEvent) => void
}

function defaultOnError(err: unknown): void {
  process.stderr.write(
    `[tessera] calendar listener threw: ${err instanceof Error ? err.stack : String(err)}\n`,
  )
}

/**
 * Emits the start of each game day, week, month and year (reset hour and
 * zone from {@link ResetConfig}), driven by a {@link TimerWheel}.
 *
 * Each period is emitted exactly once, in order: the calendar remembers the
 * last game day it announced and, when wall time has moved on by several days
 * (clock step, suspended VM, restart with `start(sinceMs)`), emits every
 * crossed day one by one, with the week, month and year starts that fall on
 * them. For each day the order is day, week, month, year. A wall clock that
 * steps backwards emits nothing until it passes the last announced day again.
 */
export class Calendar {
  private readonly cfg: ResetConfig
  private readonly wheel: TimerWheel
  private readonly clock: Clock
  private readonly maxCheckMs: number
  private readonly onError: (err: unknown, event: CalendarEvent) => void
  private readonly listeners = new Map<PeriodUnit, Set<CalendarListener>>()
  private timer: TimerHandle | undefined
  private running = false
  /** Last game day announced (or the one current at start). */
  private lastDay = Number.NaN
  /** End of `lastDay`, so checks inside it need no zone arithmetic. */
  private dayEnd = 0

  constructor(opts: CalendarOptions) {
    checkResetConfig(opts)
    const maxCheckMs = opts.maxCheckMs ?? 60_000
    if (!(maxCheckMs >= 1 && Number.isFinite(maxCheckMs)))
      throw new TimerBadOptions(`maxCheckMs ${maxCheckMs}`)
    this.cfg = {
      hour: opts.hour,
      minute: opts.minute ?? 0,
      timeZone: opts.timeZone,
      weekStart: opts.weekStart ?? 1,
    }
    this.wheel = opts.wheel
    this.clock = opts.clock
    this.maxCheckMs = maxCheckMs
    this.onError = opts.onError ?? defaultOnError
    for (const u of PERIOD_UNITS) this.listeners.set(u, new Set())
  }

  /** Listen for the start of each period of `unit`; returns a function that unsubscribes. */
  on(unit: PeriodUnit, listener: CalendarListener): () => void {
    const set = this.listeners.get(unit)
    if (set === undefined) throw new TimerBadOptions(`unknown period unit ${String(unit)}`)
    set.add(listener)
    return () => set.delete(listener)
  }

  /** The reset configuration in use (with defaults filled in). */
  get config(): Readonly<ResetConfig> {
    return this.cfg
  }

  /** Game day last announced (epoch day number), NaN before start(). */
  get currentDay(): number {
    return this.lastDay
  }

  /**
   * Start watching. With `sinceMs` (e.g. the time of the last check before a
   * restart, persisted by the caller), periods begun after it are emitted at
   * once (catch-up); without, the current period is taken as already announced.
   */
  start(sinceMs?: number): void {
    if (this.running) return
    this.running = true
    this.setLastDay(gameDay(sinceMs ?? this.clock.now(), this.cfg))
    this.check()
  }

  stop(): void {
    this.running = false
    if (this.timer !== undefined) this.wheel.cancel(this.timer)
    this.timer = undefined
  }

  /** Compare wall time with the last announced day, emit what was crossed, and re-arm. Returns events emitted. */
  check(): number {
    if (!this.running) return 0
    if (this.timer !== undefined) this.wheel.cancel(this.timer)
    this.timer = undefined
    let emitted = 0
    const now = this.clock.now()
    if (now >= this.dayEnd) {
      const today = gameDay(now, this.cfg)
      let day = this.lastDay
      // One day at a time, so a listener that stops the calendar stops the catch-up too.
      while (day < today && this.running) {
        day++
        emitted += this.announce(day, day < today)
      }
      this.setLastDay(day)
    }
    // A listener may have stopped the calendar.
    if (!this.running) return emitted
    // Sleep until the next reset, but never longer than maxCheckMs (wall clock may step).
    const wait = Math.min(Math.max(0, this.dayEnd - this.clock.now()), this.maxCheckMs)
    this.timer = this.wheel.after(wait, Calendar.wake, this)
    return emitted
  }

  private static wake(this: void, cal: Calendar): void {
    cal.timer = undefined
    cal.check()
  }

  private setLastDay(day: number): void {
    this.lastDay = day
    this.dayEnd = resetInstant(day + 1, this.cfg)
  }

  private announce(day: number, catchUp: boolean): number {
    let emitted = 0
    for (const unit of PERIOD_UNITS) {
      // A week/month/year starts on this day iff its key differs from the previous day's.
      if (unit !== 'day' && periodKeyOfDay(day, unit, this.cfg) === periodKeyOfDay(day - 1, unit, this.cfg))
        continue
      const set = this.listeners.get(unit)!
      if (set.size === 0) continue
      const p = periodOfDay(day, unit, this.cfg)
      const event: CalendarEvent = { unit, key: p.key, start: p.start, end: p.end, catchUp }
      for (const listener of [...set]) {
        emitted++
        try {
          listener(event)
        } catch (err) {
          try {
            this.onError(err, event)
          } catch {
            // A throwing error hook must not stop the calendar.
          }
        }
      }
    }
    return emitted
  }
}
