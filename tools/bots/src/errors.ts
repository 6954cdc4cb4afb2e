import { defineError } from '@tessera/kernel'

/** A bot got something other than what the game promised: a bug, not load. */
export const BotsCheckFailed = defineError<[bot: string, what: string]>('BOTS_CHECK_FAILED', 'bot %s: %s')
export const BotsDeadline = defineError<[durationS: number]>(
  'BOTS_DEADLINE',
  'the run did not finish within --duration %d s',
)
export const BotsThresholdMissed = defineError<[what: string]>(
  'BOTS_THRESHOLD_MISSED',
  'threshold missed: %s',
)
