export { type BotReport, BotStats, type RequestFigures, reportMarkdown } from './bot-stats.js'
export { BotsCheckFailed, BotsDeadline, BotsThresholdMissed } from './errors.js'
export { type PlayOptions, playOnce, type Stack } from './play-scenario.js'
export { type RunOptions, runBots } from './run-bots.js'
