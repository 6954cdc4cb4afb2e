// Durable long timers stored with the player (docs/writing-a-feature.md, "Durable timers").
export { DURABLE_TIMERS_ID, DurableTimers, durableTimers } from './durable-timers.js'
export {
  addTimer,
  type BookTimer,
  cancelTimer,
  dueTimers,
  effectKey,
  fireTimer,
  newTimerBook,
  type TimerBook,
  type TimerEffectFn,
} from './timer-book.js'
export { PlayerTimer, type PlayerTimerRow } from './timer-entity.js'
export {
  TimersBadDelay,
  TimersBadKey,
  TimersKindTaken,
  TimersNotFound,
  TimersTooMany,
  TimersUnknownKind,
} from './timer-errors.js'
export { type TimerKindEffect, TimerKinds, UPGRADE_GOLD, upgradeKind } from './timer-kinds.js'
export { TimerSchedule } from './timer-schedule.js'
