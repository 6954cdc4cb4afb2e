import type { TimerEffectFn } from './timer-book.js'
import { TimersKindTaken } from './timer-errors.js'

/** The timer kinds features define, each with its effect; a kind is defined once. */
export class TimerKinds {
  private readonly kinds = new Map<string, TimerEffectFn>()

  define(kind: string, effect: TimerEffectFn): void {
    if (this.kinds.has(kind)) throw new TimersKindTaken(kind)
    this.kinds.set(kind, effect)
  }

  has(kind: string): boolean {
    return this.kinds.has(kind)
  }

  /** The kind's effect; a kind no longer defined (removed from the code) changes nothing. */
  effect(kind: string): TimerEffectFn | undefined {
    return this.kinds.get(kind)
  }
}
