// `hostile`: polite players play beside hostile bots of every kind (counts
// per kind). The polite ones play alone first (the baseline), then the
// hostile ones start; the report shows the polite figures of both phases
// side by side and each hostile kind's outcomes.
import { type BotContext, pause } from '../scenarios/bot-context.js'
import { playBot } from '../scenarios/play.js'
import type { Role, Scenario } from '../scenarios/scenario.js'
import { hostileKinds } from './kinds.js'

/** Attempts per kind when --hostile does not say. */
export const defaultHostileCounts: Record<string, number> = {
  'wrong-password': 10,
  'replayed-token': 5,
  'oversized-frame': 8,
  'malformed-frame': 9,
  flood: 2,
  'slow-reader': 2,
  'reconnect-storm': 5,
}

/** Group names: polite before and after the hostile bots start, and the hostile ones. */
export const POLITE = 'polite'
export const POLITE_UNDER_ATTACK = 'polite-under-attack'
export const HOSTILE = 'hostile'

export const hostile: Scenario = {
  name: 'hostile',
  summary:
    'polite players (play) alone for a baseline, then beside hostile bots of every kind (--hostile kind=count,...)',
  roles(bots, o) {
    const roles: Role[] = Array.from({ length: bots }, () => ({ group: POLITE, run: playBot }))
    let n = 0
    for (const [kind, count] of Object.entries(o.hostile)) {
      const k = hostileKinds[kind]
      if (!k || count <= 0) continue
      roles.push({
        group: HOSTILE,
        // Each kind from its own address where there are enough: one kind's
        // refusals (an address throttled, its accept burst spent) are not another's.
        hostile: n++,
        async run(bot: BotContext) {
          await pause(o.baselineS * 1000, bot.stop)
          // Once, or (a soak) again and again until the run winds down.
          while (!bot.stop.aborted) {
            await k.run(bot, count, kind)
            if (!o.hostileEveryS) break
            await pause(o.hostileEveryS * 1000, bot.stop)
          }
        },
      })
    }
    return roles
  },
  phases: (o) => [{ atS: o.baselineS, from: POLITE, to: POLITE_UNDER_ATTACK }],
}
