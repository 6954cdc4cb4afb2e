import type { Clock, TimerHandle, TimerWheel } from '@tessera/kernel'
import type { BookTimer } from './timer-book.js'

interface Armed {
  readonly schedule: TimerSchedule
  readonly userId: bigint
  readonly id: number
}

/**
 * The pending durable timers of the players loaded here, on the process's
 * timer wheel: one wheel entry per timer (O(1) add and cancel), none for
 * players who are not loaded (theirs are checked at login). Due times are
 * wall-clock; the wheel counts monotonic time, so the feature checks the
 * wall clock again when one fires and re-arms it if the clock stepped back.
 */
export class TimerSchedule {
  private readonly byUser = new Map<bigint, Map<number, TimerHandle>>()
  private count = 0

  constructor(
    private readonly wheel: TimerWheel,
    private readonly clock: Clock,
    /** Called when a timer's delay has passed (outside the player's queue). */
    private readonly onDue: (userId: bigint, id: number) => void,
  ) {}

  /** Put one timer on the wheel (replacing an earlier entry for the same id). */
  add(userId: bigint, t: BookTimer): void {
    let m = this.byUser.get(userId)
    if (m === undefined) {
      m = new Map()
      this.byUser.set(userId, m)
    }
    const old = m.get(t.id)
    if (old !== undefined) this.wheel.cancel(old)
    else this.count++
    const arg: Armed = { schedule: this, userId, id: t.id }
    m.set(t.id, this.wheel.after(Math.max(0, t.dueMs - this.clock.now()), TimerSchedule.wake, arg))
  }

  /** Take one timer off the wheel (cancelled or fired). */
  remove(userId: bigint, id: number): void {
    const m = this.byUser.get(userId)
    const h = m?.get(id)
    if (m === undefined || h === undefined) return
    this.wheel.cancel(h)
    this.forget(userId, m, id)
  }

  /** Take every timer of a player off the wheel (the player left); returns how many. */
  drop(userId: bigint): number {
    const m = this.byUser.get(userId)
    if (m === undefined) return 0
    for (const h of m.values()) this.wheel.cancel(h)
    this.byUser.delete(userId)
    this.count -= m.size
    return m.size
  }

  /** Timers on the wheel. */
  get size(): number {
    return this.count
  }

  private forget(userId: bigint, m: Map<number, TimerHandle>, id: number): void {
    m.delete(id)
    this.count--
    if (m.size === 0) this.byUser.delete(userId)
  }

  // One shared callback for every timer (no closure per timer).
  private static wake(this: void, a: Armed): void {
    const m = a.schedule.byUser.get(a.userId)
    if (m === undefined || !m.has(a.id)) return
    a.schedule.forget(a.userId, m, a.id)
    a.schedule.onDue(a.userId, a.id)
  }
}
