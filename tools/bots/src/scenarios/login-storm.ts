// `login-storm`: every bot logs in, hands off to a gateway and leaves again,
// as fast as it can: login's password checks, its admission queue, hand-off
// redeem and the session bind at logic under a burst of players arriving.
import { Echo } from '@tessera/protocol'
import { type BotContext, check, Player } from './bot-context.js'
import { sessionRounds } from './rounds.js'
import type { Scenario } from './scenario.js'

async function stormBot(bot: BotContext): Promise<void> {
  const player = new Player(bot, 'storm')
  await player.register()
  await sessionRounds(bot, player, async (session, round) => {
    // One request proves the session is bound at logic.
    const r = await session.request('echo', Echo, { text: bot.name, seq: round }, Echo)
    check(bot, r.text === bot.name && r.seq === round, `echo came back as ${JSON.stringify(r.text)}`)
  })
}

export const loginStorm: Scenario = {
  name: 'login-storm',
  summary: 'register; each round: log in, hand off, one echo, close, log out, as fast as the cluster answers',
  roles: (bots) => Array.from({ length: bots }, () => ({ group: 'players', run: stormBot })),
}
