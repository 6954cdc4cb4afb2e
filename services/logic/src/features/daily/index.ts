// Daily and weekly resets: sign-in reward and task counters (docs/writing-a-feature.md, "Resets").
export { applyResets, countTask, type DailyDoc, newDailyDoc, type ResetApplied } from './daily-doc.js'
export { PlayerDaily, type PlayerDailyRow } from './daily-entity.js'
export { DailyBadAmount, DailyUnknownTask } from './daily-errors.js'
export { DAILY_FEATURE_ID, DailyFeature, dailyFeature } from './daily-feature.js'
