import { hostile } from '../hostile/hostile-scenario.js'
import { idleHold } from './idle-hold.js'
import { loginStorm } from './login-storm.js'
import { play } from './play.js'
import type { Scenario } from './scenario.js'

export type { BotContext, ScenarioOptions } from './bot-context.js'
export { GameSession, Player } from './bot-context.js'
export { type PlayStep, playSteps, type RoundState } from './play.js'
export { recoverableCode } from './rounds.js'
export type { Role, Scenario } from './scenario.js'

/** Every scenario by name (`--scenario`). */
export const scenarios: Record<string, Scenario> = {
  play,
  'login-storm': loginStorm,
  'idle-hold': idleHold,
  hostile,
}
