import { defineError } from '@tessera/kernel'

// Refusals of the daily feature a client sees (WIRE_REJECTED named by the code).

export const DailyUnknownTask = defineError<[number]>('DAILY_UNKNOWN_TASK', 'task %d is not a daily task', {
  client: true,
})
export const DailyBadAmount = defineError<[number, number]>(
  'DAILY_BAD_AMOUNT',
  'task progress %d is outside 1..%d',
  { client: true },
)
