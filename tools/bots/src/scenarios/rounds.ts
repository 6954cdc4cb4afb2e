// Rounds of a bot, and what a round does when the cluster loses its game
// session under it (a logic process died): log in again and redo the round.

import type { TesseraClientError } from '@tessera/client'
import { KickReason } from '@tessera/protocol'
import { type BotContext, type GameSession, type Player, pause } from './bot-context.js'

/** True while the bot should start another round. */
export function moreRounds(bot: BotContext, done: number): boolean {
  if (bot.stop.aborted) return false
  return bot.options.rounds === 0 || done < bot.options.rounds
}

/**
 * The errors a round may meet when a gateway or a logic process dies under
 * it, and that a game client gets past by logging in again
 * (docs/gateway.md "When a logic process dies"):
 *
 * - `CLIENT_KICKED` with reason KICK_SHUTDOWN: the gateway or the restarted
 *   logic ended the session ("game session lost; log in again");
 * - `CLIENT_SESSION_LOST`: a resume was refused (the logic that held the
 *   session is gone), requests in flight failed;
 * - `WIRE_BAD_TOKEN` after a lost session: the client tried its used
 *   hand-off token again;
 * - `WIRE_UNAVAILABLE`: the handshake could not bind at a logic that is
 *   down or restarting;
 * - `CLIENT_CONNECT_FAILED`: the hand-off's gateway died before the
 *   handshake finished;
 * - `CLIENT_CONNECT_FAILED/login-http`: a login request got no answer
 *   (login under more logins than it hashes: a request waiting past its
 *   HTTP socket timeout is cut);
 * - `CHAT_UNAVAILABLE`: the logic owning a channel or holding the private
 *   message's receiver is down or restarting ("try again shortly");
 * - `CHAT_NO_CHANNEL` / `CHAT_NOT_MEMBER` after the round joined: the
 *   channel's owner logic restarted and forgot it (members create it again).
 *
 * Anything else fails the bot. Each recovery is counted in the report
 * (`recovered`); a run without faults must have none.
 */
export function recoverableCode(
  err: unknown,
  ended: TesseraClientError | null,
  lost: boolean,
): string | null {
  let e = err as TesseraClientError
  // A request after the client closed names CLIENT_CLOSED; the reason is why it closed.
  if (e?.code === 'CLIENT_CLOSED' && ended) e = ended
  switch (e?.code) {
    case 'CLIENT_KICKED':
      return e.details?.reason === KickReason.KICK_SHUTDOWN ? 'CLIENT_KICKED/KICK_SHUTDOWN' : null
    case 'CLIENT_SESSION_LOST':
    case 'WIRE_UNAVAILABLE':
    case 'CHAT_UNAVAILABLE':
    // (the join itself creates a missing channel: these come only after it)
    case 'CHAT_NO_CHANNEL':
    case 'CHAT_NOT_MEMBER':
      return e.code
    case 'CLIENT_CONNECT_FAILED':
      // The login API's transport fails with the same code: told apart, it is login
      // overloaded (a request queued past its HTTP timeout), not a dead gateway.
      return e.message.startsWith('login /v1/') ? 'CLIENT_CONNECT_FAILED/login-http' : e.code
    case 'WIRE_BAD_TOKEN':
      return lost ? 'WIRE_BAD_TOKEN/after-session-lost' : null
    default:
      return null
  }
}

/** Re-logins allowed in one round before the bot gives up. */
const MAX_RETRIES = 8

/**
 * Run `round` and, when it fails with a recoverable error, count it and run
 * it again (a fresh login), a bounded number of times with a growing pause.
 * `state()` tells why the last game session ended, if it did.
 */
export async function withRecovery(
  bot: BotContext,
  round: () => Promise<void>,
  state: () => { ended: TesseraClientError | null; lost: boolean },
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await round()
    } catch (err) {
      const s = state()
      const code = recoverableCode(err, s.ended, s.lost)
      if (code === null || attempt >= MAX_RETRIES) throw err
      bot.stats.recovered(code, `bot ${bot.name}: ${(err as Error)?.message ?? String(err)}`)
      await pause(300 * 2 ** Math.min(attempt, 4) * (0.5 + Math.random()))
    }
  }
}

/**
 * Rounds of: log in → connect → `body` → close → log out; a round that
 * meets a recoverable error is played again from the login. Resolves to the
 * rounds played.
 */
export async function sessionRounds(
  bot: BotContext,
  player: Player,
  body: (session: GameSession, round: number) => Promise<void>,
): Promise<number> {
  const cur: { session: GameSession | null } = { session: null }
  let played = 0
  for (let round = 0; moreRounds(bot, round); round++) {
    await withRecovery(
      bot,
      async () => {
        cur.session = null
        await player.login()
        const session = await player.connect()
        cur.session = session
        try {
          await body(session, round)
        } finally {
          await session.close()
        }
        await player.logout()
      },
      () => ({ ended: cur.session?.ended ?? null, lost: cur.session?.lost ?? false }),
    )
    bot.stats.count('rounds')
    played++
  }
  return played
}
