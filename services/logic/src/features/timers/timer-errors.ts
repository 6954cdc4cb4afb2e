import { defineError } from '@tessera/kernel'

// Refusals of the durable timers a client sees (WIRE_REJECTED named by the code).

export const TimersUnknownKind = defineError<[string]>('TIMERS_UNKNOWN_KIND', 'no timer kind %j', {
  client: true,
})
export const TimersBadKey = defineError<[string]>('TIMERS_BAD_KEY', 'timer key refused: %s', { client: true })
export const TimersBadDelay = defineError<[string, number]>(
  'TIMERS_BAD_DELAY',
  'timer delay %s ms is outside 1..%d',
  { client: true },
)
export const TimersTooMany = defineError<[number]>(
  'TIMERS_TOO_MANY',
  'a player holds at most %d pending timers',
  {
    client: true,
  },
)
export const TimersNotFound = defineError<[number]>('TIMERS_NOT_FOUND', 'no pending timer %d', {
  client: true,
})
/** Server side: a feature registered a timer kind twice. */
export const TimersKindTaken = defineError<[string]>('TIMERS_KIND_TAKEN', 'timer kind %s is defined twice')
