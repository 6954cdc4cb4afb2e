import type { PlayerRow } from '../../player/index.js'
import type { BookTimer } from './timer-book.js'
import { TimersKindTaken } from './timer-errors.js'

/**
 * What a timer kind does when one of its timers fires: returns the new level
 * of `kind/key` (kept in the timer book) and may change the player row. It
 * runs inside one storage group with the timer's removal from pending, so
 * the fired mark and every change it makes land together or not at all
 * (journal and database); if it throws, nothing of it is kept and the timer
 * stays pending. Synchronous: load what it needs before.
 */
export type TimerKindEffect = (level: number, timer: BookTimer, player: PlayerRow) => number

/** Gold the sample kind `upgrade` pays on the player row when one of its timers fires. */
export const UPGRADE_GOLD = 100n

/**
 * The sample kind: an upgrade raises the level of its key by one (in the
 * timer book) and pays UPGRADE_GOLD on the player row, another row than the
 * timer's: the two changes are one group (see DurableTimers.fire).
 */
export const upgradeKind: TimerKindEffect = (level, _timer, player) => {
  player.gold += UPGRADE_GOLD
  return level + 1
}

/** The timer kinds features define, each with its effect; a kind is defined once. */
export class TimerKinds {
  private readonly kinds = new Map<string, TimerKindEffect>()

  define(kind: string, effect: TimerKindEffect): void {
    if (this.kinds.has(kind)) throw new TimersKindTaken(kind)
    this.kinds.set(kind, effect)
  }

  has(kind: string): boolean {
    return this.kinds.has(kind)
  }

  /** The kind's effect; a kind no longer defined (removed from the code) changes nothing. */
  effect(kind: string): TimerKindEffect | undefined {
    return this.kinds.get(kind)
  }
}
