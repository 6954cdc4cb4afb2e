// `play`'s chat steps: a line or two in the world channel, lines in a shared
// named channel (join or create, some across a cut socket, then leave), and
// private messages to the bot's pen pal, a second player the bot drives:
// once online, once offline (delivered at the pen pal's next login). Every
// own line must come back once, in order; every private message must arrive.
import { TesseraClientError } from '@tessera/client'
import {
  ChatCreate,
  ChatCreateRes,
  ChatJoin,
  ChatJoinRes,
  ChatLeave,
  ChatLeaveRes,
  ChatMembers,
  ChatMembersRes,
  ChatPrivate,
  ChatPrivateRes,
  ChatPush,
  ChatSend,
  ChatSendRes,
} from '@tessera/protocol'
import { type BotContext, check, type GameSession, Player, pause } from './bot-context.js'
import { ChatPacer, OwnLines, PrivateLedger, rateWaitMs } from './chat-checks.js'

export const WORLD = 'world'

/** What a bot's chat keeps across rounds. */
export class BotChat {
  readonly pacer: ChatPacer
  /** The pen pal and what it was sent; made at the first private step. */
  pal: { player: Player; ledger: PrivateLedger | null } | null = null
  /** The private step ran to its end once. */
  privateDone = false
  /** The pen pal's user id, once it logged in. */
  palUser: bigint | null = null
  private lineNo = 0

  constructor(readonly bot: BotContext) {
    this.pacer = new ChatPacer(bot.options.chat.ratePerSec, bot.options.chat.burst)
  }

  /** A line no other line of the run has (bot name, number). */
  nextLine(tag: string): string {
    return `${this.bot.name} ${tag} #${this.lineNo++}`
  }

  /** Wait until the bot's bucket has a line for it. */
  async paced(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const ms = this.pacer.take()
      if (ms === 0) return
      await pause(ms)
    }
  }
}

/** The channel a bot chats in: bots share `--chat-channels` of them, by name. */
export function channelOf(bot: BotContext): string {
  let h = 0
  for (const c of bot.name) h = (h * 31 + c.charCodeAt(0)) >>> 0
  return `bots-${h % Math.max(1, bot.options.chat.channels)}`
}

/** Feed every ChatPush of a session to what is watching it; a check's throw is kept by the check. */
export function watchChat(session: GameSession, sinks: { pushed(p: ChatPush): void }[]): () => void {
  return session.onPush(ChatPush, (p) => {
    for (const s of sinks)
      try {
        s.pushed(p)
      } catch {
        // The check keeps its failure and throws it from settle().
      }
  })
}

/**
 * Send one line, paced; a CHAT_RATE_LIMITED refusal (the server's bucket is
 * a little ahead of ours) waits as it says and sends again, a few times.
 */
export async function sendLine(
  chat: BotChat,
  session: GameSession,
  lines: OwnLines,
  text: string,
  name = 'chat.send',
): Promise<bigint> {
  await chat.paced()
  lines.sending(text)
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await session.request(name, ChatSend, { channel: lines.channel, text }, ChatSendRes)
      return r.messageId
    } catch (err) {
      if ((err as TesseraClientError).code !== 'CHAT_RATE_LIMITED' || attempt >= 3) {
        lines.refused(text)
        throw err
      }
      session.bot.stats.count('chat.rate-waits')
      await pause(rateWaitMs(err) + 100)
    }
  }
}

/**
 * Wait for a check to settle; when the session ended or was lost meanwhile
 * (its gateway or logic died), that is why lines are missing: its error is
 * thrown instead, so the round is played again after a fresh login.
 */
export async function settled(session: GameSession, check: Promise<void>): Promise<void> {
  try {
    await check
  } catch (err) {
    if (session.ended) throw session.ended
    if (session.lost)
      throw new TesseraClientError(
        'CLIENT_SESSION_LOST',
        'the game session was lost while chat lines were on the way',
      )
    throw err
  }
}

/** Join the channel, or create it when there is none (bounded: it may empty and vanish in between). */
export async function joinOrCreate(session: GameSession, channel: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await session.request('chat.join', ChatJoin, { channel }, ChatJoinRes)
      return
    } catch (err) {
      const code = (err as TesseraClientError).code
      if (code !== 'CHAT_NO_CHANNEL' || i >= 4) throw err
    }
    try {
      await session.request('chat.create', ChatCreate, { channel, maxMembers: 0 }, ChatCreateRes)
      return
    } catch (err) {
      if ((err as TesseraClientError).code !== 'CHAT_CHANNEL_EXISTS') throw err
    }
  }
}

/** Two lines in the world channel, the first round and every `--chat-world-every` rounds. */
export async function worldChat(bot: BotContext, chat: BotChat, session: GameSession, round: number) {
  if (round % Math.max(1, bot.options.chat.worldEvery) !== 0) return
  const lines = new OwnLines(bot.name, session.login.userId, WORLD)
  const off = watchChat(session, [lines])
  try {
    for (let i = 0; i < 2; i++) await sendLine(chat, session, lines, chat.nextLine('world'), 'chat.world')
    await settled(session, lines.settle())
  } finally {
    off()
  }
}

/**
 * The bot's named channel: join (or create), two lines, two more with the
 * socket cut between them (the client resumes; each line comes back once,
 * in order), the member list names the bot, leave; after leaving the list
 * is refused.
 */
export async function channelChat(bot: BotContext, chat: BotChat, session: GameSession) {
  const channel = channelOf(bot)
  const lines = new OwnLines(bot.name, session.login.userId, channel)
  const off = watchChat(session, [lines])
  try {
    await joinOrCreate(session, channel)
    for (let i = 0; i < 2; i++) await sendLine(chat, session, lines, chat.nextLine(channel))
    // Across a resume: both lines in flight, the socket cut between them.
    const a = chat.nextLine(channel)
    const b = chat.nextLine(channel)
    await chat.paced()
    await chat.paced()
    lines.sending(a)
    const first = session.request('chat.send.resume', ChatSend, { channel, text: a }, ChatSendRes)
    session.drop()
    lines.sending(b)
    const second = session.request('chat.send.resume', ChatSend, { channel, text: b }, ChatSendRes)
    await Promise.all([first, second])
    await settled(session, lines.settle())
    const m = await session.request('chat.members', ChatMembers, { channel }, ChatMembersRes)
    check(
      bot,
      m.members.some((x) => x.userId === session.login.userId),
      `the members of ${channel} (${m.members.length}) do not name the bot's user ${session.login.userId}`,
    )
    await session.request('chat.leave', ChatLeave, { channel }, ChatLeaveRes)
    const after = await session.request('chat.members', ChatMembers, { channel }, ChatMembersRes).then(
      () => 'answered',
      (err: TesseraClientError) => err.code,
    )
    check(
      bot,
      after === 'CHAT_NOT_MEMBER' || after === 'CHAT_NO_CHANNEL',
      `after leaving ${channel} its member list ${after === 'answered' ? 'was answered' : `was refused with ${after}`}, expected CHAT_NOT_MEMBER`,
    )
    session.checkSequence()
  } finally {
    off()
  }
}

/** The pen pal logs in and connects with its private pushes watched. */
async function palSession(pal: Player, ledger: PrivateLedger): Promise<GameSession> {
  await pal.login()
  return pal.connect((s) => s.onPush(ChatPush, (p) => tryGot(ledger, p)))
}

function tryGot(ledger: PrivateLedger, p: ChatPush): void {
  try {
    ledger.got(p)
  } catch {
    // Kept by the ledger, thrown from settle().
  }
}

/**
 * Once per bot: a private message to its pen pal while the pen pal is
 * online (pushed at once, not stored), then one while it is logged out
 * (stored), which its next login must deliver, once, flagged stored.
 */
export async function privateChat(bot: BotContext, chat: BotChat, session: GameSession) {
  if (chat.privateDone) return
  if (!chat.pal) {
    const player = new Player(bot, 'pal')
    await player.register()
    chat.pal = { player, ledger: null }
  }
  const pal = chat.pal
  // A replayed round: what the last attempt sent may be lost with its logic; doubles still count.
  pal.ledger ??= new PrivateLedger(bot.name, session.login.userId)
  const ledger = pal.ledger
  ledger.reset()
  const send = async (text: string) => {
    for (let attempt = 0; ; attempt++) {
      await chat.paced()
      try {
        const r = await session.request(
          'chat.private',
          ChatPrivate,
          { toUserId: palUserId(chat), text },
          ChatPrivateRes,
        )
        ledger.sent(r.messageId, text)
        return r
      } catch (err) {
        // Mail is kept only for a player the receiving logic has stored; a new
        // player's row is written by the logic's write-behind flush (about a
        // second after its first session): until then CHAT_TARGET_UNAVAILABLE.
        const e = err as TesseraClientError
        if (e.code !== 'CHAT_TARGET_UNAVAILABLE' || !e.message.includes('no such player') || attempt >= 5)
          throw err
        bot.stats.count('chat.private.not-stored-yet')
        await pause(1000)
      }
    }
  }
  let palS = await palSession(pal.player, ledger)
  chat.palUser = palS.login.userId
  try {
    const online = await send(chat.nextLine('to pal'))
    check(bot, !online.stored, 'a private message to the online pen pal was stored, not pushed')
    await settled(palS, ledger.settle())
  } finally {
    await palS.close()
  }
  await pal.player.logout()
  const offline = await send(chat.nextLine('to offline pal'))
  check(bot, offline.stored, 'a private message to the logged-out pen pal was pushed, not stored')
  palS = await palSession(pal.player, ledger)
  try {
    await settled(palS, ledger.settle())
    palS.checkSequence()
  } finally {
    await palS.close()
  }
  await pal.player.logout()
  if (ledger.redelivered) bot.stats.count('chat.private.redelivered', ledger.redelivered)
  chat.privateDone = true
}

function palUserId(chat: BotChat): bigint {
  if (chat.palUser === null) throw new Error('the pen pal has not logged in yet')
  return chat.palUser
}
