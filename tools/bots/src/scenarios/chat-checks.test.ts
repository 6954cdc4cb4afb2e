// The chat checks of the bots, fed the real push sequence of a player on a
// real cluster (login, gateway, logic, MariaDB): as it arrived it passes;
// doubled, reordered or short it is BOTS_CHECK_FAILED naming the bot and
// the line. The cluster is not mocked: only the sequence is replayed.
import { ChatKind, ChatPrivate, ChatPrivateRes, ChatPush, ChatSend, ChatSendRes } from '@tessera/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GameCluster } from '../../../../tests/game/support/game-cluster.js'
import { Transports } from '../net/transports.js'
import { BotStats } from '../stats/bot-stats.js'
import { type BotContext, Player } from './bot-context.js'
import { OwnLines, PrivateLedger } from './chat-checks.js'
import { sentAtOf } from './chat-heavy.js'

const PASS = 1 // settle() waits this long for missing lines in the failing cases

function botContext(name: string, login: string): BotContext {
  return {
    name,
    stack: 'tcp',
    net: new Transports(login, undefined),
    stats: new BotStats(),
    stop: new AbortController().signal,
    options: {
      rounds: 1,
      idleMs: 0,
      hostile: {},
      baselineS: 0,
      hostileIps: [],
      chat: { ratePerSec: 2, burst: 5, channels: 1, worldEvery: 1, linesPerSec: 1, exceedRate: false },
    },
    track: () => () => {},
    connected: () => {},
  }
}

/** Replay `pushes` into a fresh check of the bot's lines `texts`; the error it ends with, if any. */
async function replay(bot: string, userId: bigint, texts: string[], pushes: ChatPush[]): Promise<unknown> {
  const lines = new OwnLines(bot, userId, 'world')
  for (const t of texts) lines.sending(t)
  for (const p of pushes)
    try {
      lines.pushed(p)
    } catch {
      // kept; settle() throws it
    }
  return lines.settle(PASS).then(
    () => null,
    (err: unknown) => err,
  )
}

describe('chat checks on a real push sequence', () => {
  let cluster: GameCluster
  const texts: string[] = []
  let own: ChatPush[] = []
  let userId = 0n
  let privates: ChatPush[] = []
  let sender = 0n

  beforeAll(async () => {
    cluster = await new GameCluster({ loginArgs: ['--login.limits.register.limit', '100000'] }).start()
    const login = await cluster.loginUrl()
    const bot = botContext('chk-1', login)
    const a = new Player(bot)
    const b = new Player(bot, 'pal')
    await a.register()
    await b.register()
    await a.login()
    await b.login()
    const sa = await a.connect()
    const sb = await b.connect()
    const all: ChatPush[] = []
    sa.onPush(ChatPush, (p) => all.push(p))
    sb.onPush(ChatPush, (p) => {
      if (p.kind === ChatKind.CHAT_KIND_PRIVATE) privates.push(p)
    })
    userId = sa.login.userId
    sender = userId
    for (let i = 0; i < 4; i++) {
      const t = `chk-1 line ${i}`
      texts.push(t)
      await sa.request('chat', ChatSend, { channel: 'world', text: t }, ChatSendRes)
    }
    await sa.request(
      'chat.private',
      ChatPrivate,
      { toUserId: sb.login.userId, text: 'hi pal' },
      ChatPrivateRes,
    )
    const deadline = Date.now() + 20_000
    while (
      (all.filter((p) => p.fromUserId === userId).length < 4 || privates.length < 1) &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 50))
    own = all.filter((p) => p.fromUserId === userId && p.channel === 'world')
    privates = privates.filter((p) => p.fromUserId === userId)
    await sa.close()
    await sb.close()
  }, 240_000)
  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  it('the sequence as it arrived passes', async () => {
    expect(own.map((p) => p.text)).toEqual(texts)
    expect(await replay('chk-1', userId, texts, own)).toBeNull()
  })

  it('a line pushed twice (as a resume that replays too much would) fails the bot, naming it and the line', async () => {
    const doubled = [own[0]!, own[1]!, own[1]!, own[2]!, own[3]!]
    const err = await replay('chk-1', userId, texts, doubled)
    expect(err).toMatchObject({ code: 'BOTS_CHECK_FAILED' })
    expect(String((err as Error).message)).toMatch(
      /^bot chk-1: chat line "chk-1 line 1" \(id \d+\) in world pushed twice/,
    )
  })

  it('lines out of order fail the bot', async () => {
    const swapped = [own[0]!, own[2]!, own[1]!, own[3]!]
    const err = await replay('chk-1', userId, texts, swapped)
    expect(err).toMatchObject({ code: 'BOTS_CHECK_FAILED' })
    expect(String((err as Error).message)).toMatch(
      /^bot chk-1: chat line "chk-1 line 2" in world out of order: expected "chk-1 line 1"/,
    )
  })

  it('a lost line fails the bot once the wait is over', async () => {
    const err = await replay('chk-1', userId, texts, [own[0]!, own[1]!, own[2]!])
    expect(err).toMatchObject({ code: 'BOTS_CHECK_FAILED' })
    expect(String((err as Error).message)).toMatch(
      /1 of 4 own chat lines in world never came back.*"chk-1 line 3"/,
    )
  })

  it('a refused line leaves the expected order (chat-heavy past the rate limit)', async () => {
    const lines = new OwnLines('chk-1', userId, 'world')
    for (const t of [...texts.slice(0, 2), 'refused one', ...texts.slice(2)]) lines.sending(t)
    lines.refused('refused one')
    for (const p of own) lines.pushed(p)
    await expect(lines.settle(PASS)).resolves.toBeUndefined()
  })

  it('private messages: a stored one delivered again is counted, a pushed one twice fails', async () => {
    const p = privates[0]!
    expect(p.text).toBe('hi pal')
    const ok = new PrivateLedger('chk-1', sender)
    ok.sent(p.messageId, p.text)
    ok.got(p)
    ok.got({ ...p, stored: true })
    await expect(ok.settle(PASS)).resolves.toBeUndefined()
    expect(ok.redelivered).toBe(1)
    const twice = new PrivateLedger('chk-1', sender)
    twice.sent(p.messageId, p.text)
    twice.got(p)
    expect(() => twice.got(p)).toThrow(/^bot chk-1: private message \d+ "hi pal" pushed twice/)
    const lost = new PrivateLedger('chk-1', sender)
    lost.sent(p.messageId, p.text)
    await expect(lost.settle(PASS)).rejects.toMatchObject({ code: 'BOTS_CHECK_FAILED' })
  })

  it('a chat-heavy line carries its send time', () => {
    expect(sentAtOf('p0-3 heavy #12 @1765000000123.45')).toBe(1765000000123.45)
    expect(sentAtOf('no time here')).toBeNull()
  })
})
