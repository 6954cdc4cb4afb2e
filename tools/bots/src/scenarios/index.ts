import { hostile } from '../hostile/hostile-scenario.js'
import { chatHeavy } from './chat-heavy.js'
import { idleHold } from './idle-hold.js'
import { loginStorm } from './login-storm.js'
import { play } from './play.js'
import type { Scenario } from './scenario.js'

export type { BotContext, ChatOptions, ScenarioOptions } from './bot-context.js'
export { GameSession, Player } from './bot-context.js'
export { ChatPacer, OwnLines, PrivateLedger } from './chat-checks.js'
export { type PlayStep, playSteps, type RoundState } from './play.js'
export { recoverableCode } from './rounds.js'
export type { Role, Scenario } from './scenario.js'

/** Every scenario by name (`--scenario`). */
export const scenarios: Record<string, Scenario> = {
  play,
  'login-storm': loginStorm,
  'idle-hold': idleHold,
  'chat-heavy': chatHeavy,
  hostile,
}
