// `chat-heavy`: many bots in a few named channels, each sending lines at
// `--chat-lines-per-s` until the run winds down. Every line carries the
// time it left its sender, so each bot that receives it records the line's
// fan-out latency (sender's send → this receiver's push; the bots share the
// machine's clock); deliveries are counted. Own lines are checked as in
// `play` (once, in order). Within the rate limit a refusal is waited out
// (`chat.rate-waits`); with `--chat-exceed` bots send at the asked rate and
// CHAT_RATE_LIMITED refusals are expected and counted (`chat.rate-limited`).
import type { TesseraClientError } from '@tessera/client'
import { ChatLeave, ChatLeaveRes, type ChatPush, ChatSend, ChatSendRes } from '@tessera/protocol'
import { type BotContext, Player, pause } from './bot-context.js'
import { OwnLines } from './chat-checks.js'
import { BotChat, channelOf, joinOrCreate, sendLine, settled, watchChat } from './chat-steps.js'
import type { Scenario } from './scenario.js'

/** Lines of one bot in flight at once when sending past the rate limit. */
const MAX_IN_FLIGHT = 8

/** Wall-clock ms with sub-ms precision (the same clock in every bot process on the machine). */
export const nowMs = () => performance.timeOrigin + performance.now()

/** The send time a chat-heavy line carries: its last field. */
export function sentAtOf(text: string): number | null {
  const m = / @(\d+\.\d+)$/.exec(text)
  return m ? Number(m[1]) : null
}

async function chatHeavyBot(bot: BotContext): Promise<void> {
  const player = new Player(bot, 'chat')
  await player.register()
  await player.login()
  const chat = new BotChat(bot)
  const channel = channelOf(bot)
  let lines: OwnLines | null = null
  const fanout = {
    pushed(p: ChatPush) {
      if (p.channel !== channel) return
      const at = sentAtOf(p.text)
      if (at === null) return
      bot.stats.sample('chat.fanout', Math.max(0, nowMs() - at))
      bot.stats.delivered('chat.deliveries')
    },
  }
  const session = await player.connect()
  lines = new OwnLines(bot.name, session.login.userId, channel)
  const off = watchChat(session, [lines, fanout])
  try {
    await joinOrCreate(session, channel)
    const everyMs = 1000 / bot.options.chat.linesPerSec
    // Start at a random point of the interval, so bots do not send in step.
    await pause(Math.random() * everyMs, bot.stop)
    const inFlight = new Set<Promise<void>>()
    /** The first unexpected refusal of a pipelined line: it ends the bot after the lines in flight. */
    let failed: { err: unknown } | null = null
    let next = performance.now()
    while (!bot.stop.aborted && !failed) {
      const text = `${chat.nextLine('heavy')} @${nowMs().toFixed(2)}`
      if (!bot.options.chat.exceedRate) {
        await sendLine(chat, session, lines, text, 'chat.heavy')
      } else {
        const own = lines
        own.sending(text)
        const p = session
          .request('chat.heavy', ChatSend, { channel, text }, ChatSendRes)
          .then(
            () => {},
            (err: TesseraClientError) => {
              if (err.code !== 'CHAT_RATE_LIMITED') {
                failed ??= { err }
                return
              }
              own.refused(text)
              bot.stats.count('chat.rate-limited')
            },
          )
          .finally(() => inFlight.delete(p))
        inFlight.add(p)
        if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight)
      }
      bot.stats.count('chat.lines')
      next += everyMs
      await pause(Math.max(0, next - performance.now()), bot.stop)
    }
    await Promise.all(inFlight)
    if (failed) throw (failed as { err: unknown }).err
    await settled(session, lines.settle())
    await session.request('chat.leave', ChatLeave, { channel }, ChatLeaveRes)
    session.checkSequence()
  } finally {
    off()
    await session.close()
  }
  await player.logout()
  bot.stats.count('rounds')
}

export const chatHeavy: Scenario = {
  name: 'chat-heavy',
  summary:
    'register, log in, join one of --chat-channels channels, send --chat-lines-per-s lines until the run winds down; fan-out latency and deliveries/s',
  roles: (bots) => Array.from({ length: bots }, () => ({ group: 'players', run: chatHeavyBot })),
}
