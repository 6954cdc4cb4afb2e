export { BotsCheckFailed, BotsDeadline, BotsThresholdMissed } from './errors.js'
export { hostileKinds } from './hostile/kinds.js'
export { parseSourceIps } from './net/source-ips.js'
export { type Stack, Transports } from './net/transports.js'
export { type RunOptions, type RunSnapshot, runBots } from './run/run-bots.js'
export {
  type BotContext,
  type PlayStep,
  playSteps,
  recoverableCode,
  type Scenario,
  scenarios,
} from './scenarios/index.js'
export { BotStats, type StatsSnapshot } from './stats/bot-stats.js'
export { type BotReport, buildReport, reportMarkdown } from './stats/report.js'
