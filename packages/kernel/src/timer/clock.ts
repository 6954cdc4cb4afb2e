/**
 * Source of time for everything that schedules or stamps (timer wheel,
 * calendar, snowflake ids). Inject a {@link ManualClock} in tests; never read
 * Date.now() directly in kernel code.
 */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (may jump, even backwards). */
  now(): number
  /** Monotonic milliseconds (never goes backwards), arbitrary origin. */
  monotonic(): number
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
}

/** A clock that moves only when told to; wall time may be set backwards to test clock skew. */
export class ManualClock implements Clock {
  private wall: number
  private mono = 0

  constructor(startWallMs = Date.UTC(2026, 0, 1)) {
    this.wall = startWallMs
  }

  now(): number {
    return this.wall
  }

  monotonic(): number {
    return this.mono
  }

  /** Move both clocks forward by `ms`. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('advance() takes a non-negative duration; use setWall() to go back')
    this.wall += ms
    this.mono += ms
  }

  /** Set wall time only (e.g. an NTP step backwards); the monotonic clock is untouched. */
  setWall(ms: number): void {
    this.wall = ms
  }
}

/**
 * Reads `inner` at most once per turn of the event loop (the cached values are
 * dropped in a microtask), the way Node's own timers use the loop's cached
 * time. It saves a clock read per call when a burst schedules many timers;
 * the price is that code running long within one turn keeps seeing the time
 * of its first read, so a timer scheduled late in such a turn may fire up to
 * that long before its delay has passed. Not for measuring durations.
 */
export class TurnCachedClock implements Clock {
  private wall = Number.NaN
  private mono = Number.NaN
  private readonly reset = () => {
    this.wall = Number.NaN
    this.mono = Number.NaN
  }

  constructor(private readonly inner: Clock) {}

  now(): number {
    if (Number.isNaN(this.wall)) {
      if (Number.isNaN(this.mono)) queueMicrotask(this.reset)
      this.wall = this.inner.now()
    }
    return this.wall
  }

  monotonic(): number {
    if (Number.isNaN(this.mono)) {
      if (Number.isNaN(this.wall)) queueMicrotask(this.reset)
      this.mono = this.inner.monotonic()
    }
    return this.mono
  }
}
