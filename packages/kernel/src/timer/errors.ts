import { defineError } from '../errors/index.js'

/** A delay that is not a finite number in [0, max]. */
export const TimerBadDelay = defineError<[string, unknown]>('TIMER_BAD_DELAY', 'bad timer %s: %j')
/** A repeat interval that is not a finite number > 0. */
export const TimerBadInterval = defineError<[unknown]>('TIMER_BAD_INTERVAL', 'bad timer interval: %j')
/** Constructor or calendar options out of range. */
export const TimerBadOptions = defineError<[string]>('TIMER_BAD_OPTIONS', 'bad timer options: %s')
/** The wheel cannot hold more timers (slot index space exhausted). */
export const TimerCapacity = defineError<[number]>('TIMER_CAPACITY', 'timer wheel is full (%d timers)')
/** An IANA time zone that Intl does not know. */
export const TimerBadTimeZone = defineError<[string]>('TIMER_BAD_TIME_ZONE', 'unknown time zone %s')
