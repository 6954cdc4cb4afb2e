// `idle-hold`: every bot logs in, connects and holds its session open,
// idle (heartbeats only), until the run winds down; then checks the session
// was never dropped and answers. What a gateway costs per idle player.
import { Echo } from '@tessera/protocol'
import { type BotContext, check, type GameSession, Player, pause } from './bot-context.js'
import { withRecovery } from './rounds.js'
import type { Scenario } from './scenario.js'

async function holdBot(bot: BotContext): Promise<void> {
  const player = new Player(bot, 'idle')
  await player.register()
  // Getting in may meet what a busy or restarting cluster answers (a logic not
  // ready to bind: WIRE_UNAVAILABLE); a game client tries again, so does the bot.
  const cur: { s: GameSession | null } = { s: null }
  await withRecovery(
    bot,
    async () => {
      cur.s = null
      await player.login()
      cur.s = await player.connect()
    },
    () => ({ ended: cur.s?.ended ?? null, lost: cur.s?.lost ?? false }),
  )
  const session = cur.s!
  let drops = 0
  session.client.on('disconnect', () => drops++)
  try {
    await pause(2 ** 31 - 1, bot.stop)
    check(
      bot,
      session.client.state === 'open',
      `the held session is ${session.client.state} (${session.ended?.code ?? 'no error'})`,
    )
    const r = await session.request('echo', Echo, { text: 'still here', seq: 1 }, Echo)
    check(bot, r.text === 'still here', 'the held session answered wrongly')
    check(bot, drops === 0, `the held session dropped ${drops} times`)
    session.checkSequence()
  } finally {
    await session.close()
  }
  await player.logout()
  bot.stats.count('rounds')
}

export const idleHold: Scenario = {
  name: 'idle-hold',
  summary: 'register, log in, connect and hold the session idle until the run winds down; then one echo',
  roles: (bots) => Array.from({ length: bots }, () => ({ group: 'players', run: holdBot })),
}
