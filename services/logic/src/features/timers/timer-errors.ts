import { defineError } from '@tessera/kernel'

// Refusals of the durable timers a client sees (WIRE_REJECTED named by the code).

export const TimerUnknownKind = defineError<[string]>('TIMER_UNKNOWN_KIND', 'no timer kind %j', {
  client: true,
})
export const TimerBadKey = defineError<[string]>('TIMER_BAD_KEY', 'timer key refused: %s', { client: true })
export const TimerBadDuration = defineError<[string, number]>(
  'TIMER_BAD_DURATION',
  'timer delay %s ms is outside 1..%d',
  { client: true },
)
export const TimerTooMany = defineError<[number]>(
  'TIMER_TOO_MANY',
  'a player holds at most %d pending timers',
  {
    client: true,
  },
)
export const TimerNotFound = defineError<[number]>('TIMER_NOT_FOUND', 'no pending timer %d', { client: true })
/** Server side: a feature registered a timer kind twice. */
export const TimerKindTaken = defineError<[string]>('TIMER_KIND_TAKEN', 'timer kind %s is defined twice')
