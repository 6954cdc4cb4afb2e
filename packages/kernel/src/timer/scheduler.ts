import { systemClock, TurnCachedClock } from './clock.js'
import { TimerWheel } from './timer-wheel.js'

/**
 * What a part needs to schedule its timers: the service's wheel
 * (`ctx.timers`), a wheel on a ManualClock in tests (`clock.advance(ms)`
 * then `wheel.advance()`), or {@link systemTimers} when built outside a
 * service. Kernel code schedules only through one of these, never with raw
 * setTimeout/setInterval (scripts/raw-timers.test.ts keeps it so).
 */
export type Scheduler = Pick<TimerWheel, 'after' | 'every' | 'cancel'>

let shared: TimerWheel | undefined

/**
 * The process-wide wheel on the system clock, for parts given no scheduler
 * (a NetServer in a tool, a test that does not drive time). Its driver is
 * unref'd: a pending deadline never keeps the process alive, like the
 * unref'd timeouts it replaces (an open socket does).
 */
export function systemTimers(): Scheduler {
  if (shared === undefined) {
    shared = new TimerWheel({ clock: new TurnCachedClock(systemClock) })
    shared.start()
  }
  return shared
}
