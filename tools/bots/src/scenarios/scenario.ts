import type { BotContext, ScenarioOptions } from './bot-context.js'

/** One kind of bot in a run: its stats group and what it does. */
export interface Role {
  /** Stats group: the report shows each group apart (e.g. polite, hostile). */
  group: string
  /**
   * Hostile bots connect from the run's hostile addresses (this index of
   * them, in turn), so per-address limits do not hit polite ones.
   */
  hostile?: number
  /** Play one bot; resolve when done, throw to fail the bot. */
  run(bot: BotContext): Promise<void>
}

/**
 * A scenario: what the bots of a run do. Most give every bot one role;
 * `hostile` mixes polite and hostile ones.
 */
export interface Scenario {
  name: string
  /** One line for --help and the report. */
  summary: string
  /** The roles of `bots` bots, in start order. */
  roles(bots: number, o: ScenarioOptions): Role[]
  /** Phases by time: from `atS` on, roles of group `from` record into group `to` (hostile: baseline, then under attack). */
  phases?(o: ScenarioOptions): { atS: number; from: string; to: string }[]
}
