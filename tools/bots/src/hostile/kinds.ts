// The hostile kinds: what each tries and the outcomes the platform
// documents for it (docs/tools.md "hostile", docs/errors.md). Each attempt
// records its outcome under its kind; an outcome outside `expected` is a
// hostile attempt the cluster did not refuse as documented.
import { randomBytes } from 'node:crypto'
import { Echo } from '@tessera/protocol'
import { type BotContext, type GameSession, Player, pause } from '../scenarios/bot-context.js'
import { CUT, RawConn } from './raw-conn.js'

export interface HostileKind {
  /** What the attempts do, for the report. */
  does: string
  /** Outcomes that are a refusal as documented. */
  expected: readonly string[]
  /** Make `count` attempts, recording each outcome with `bot.stats.refused(kind, outcome)`. */
  run(bot: BotContext, count: number, kind: string): Promise<void>
}

const addressOf = (bot: BotContext, p: Player): string => {
  const h = p.loggedIn!.handoff
  const list = bot.stack === 'tcp' ? h.tcp : h.ws
  if (!list?.length) throw new Error(`the hand-off has no ${bot.stack} address`)
  return list[0]!
}

/** A registered, logged-in hostile player (from the hostile address). */
async function hostilePlayer(bot: BotContext): Promise<Player> {
  const p = new Player(bot, 'evil')
  await p.register()
  await p.login()
  return p
}

/** A raw connection past the handshake with a fresh login's token. */
async function rawSession(bot: BotContext, p: Player): Promise<RawConn> {
  await p.login()
  const c = await RawConn.open(addressOf(bot, p), bot.net.localAddress)
  const ok = await c.handshake(p.loggedIn!.handoff.token)
  if (typeof ok === 'string') {
    c.destroy()
    throw new Error(`hostile bot could not open a session to attack from: ${ok}`)
  }
  return c
}

const BARE_CONNECTIONS = 150

const record = (bot: BotContext, kind: string, outcome: string | null) =>
  bot.stats.refused(kind, outcome ?? 'NOT_REFUSED')

export const hostileKinds: Record<string, HostileKind> = {
  'wrong-password': {
    does: 'log in to its own account with wrong passwords',
    expected: [
      'LOGIN_BAD_CREDENTIALS',
      'LOGIN_THROTTLED_ACCOUNT',
      'LOGIN_THROTTLED_IP',
      'LOGIN_THROTTLED_IP_IN_FLIGHT',
    ],
    async run(bot, count, kind) {
      const p = new Player(bot, 'evil')
      await p.register()
      for (let i = 0; i < count && !bot.stop.aborted; i++) {
        try {
          await bot.net.api.login({ account: p.account, password: `wrong-${randomBytes(6).toString('hex')}` })
          record(bot, kind, null)
        } catch (err) {
          record(bot, kind, (err as { code?: string }).code ?? 'UNCODED')
        }
      }
    },
  },
  'replayed-token': {
    does: 'present a hand-off token that was already used',
    expected: ['WIRE_BAD_TOKEN'],
    async run(bot, count, kind) {
      const p = await hostilePlayer(bot)
      const used = await p.connect() // the token is redeemed here
      try {
        for (let i = 0; i < count && !bot.stop.aborted; i++) {
          const c = await RawConn.open(addressOf(bot, p), bot.net.localAddress)
          const r = await c.handshake(p.loggedIn!.handoff.token)
          record(bot, kind, typeof r === 'string' ? r : null)
          c.destroy()
        }
      } finally {
        await used.close()
      }
    },
  },
  'oversized-frame': {
    does: 'send a frame past the size limit (before the handshake: > 4 KiB; after: > 256 KiB)',
    expected: [CUT],
    async run(bot, count, kind) {
      const p = await hostilePlayer(bot)
      for (let i = 0; i < count && !bot.stop.aborted; i++) {
        // Every fourth attempt after a handshake, the rest before one.
        const c =
          i % 4 === 0 ? await rawSession(bot, p) : await RawConn.open(addressOf(bot, p), bot.net.localAddress)
        const size = i % 4 === 0 ? 300 * 1024 : 8 * 1024
        c.sendRaw(new Uint8Array(size))
        record(bot, kind, await c.outcome(c.answers.length, 5_000))
        c.destroy()
      }
    },
  },
  'malformed-frame': {
    does: 'send garbage headers (before the handshake), unknown message ids and bodies that are not protobuf (after)',
    expected: [CUT, 'WIRE_UNKNOWN_MESSAGE', 'WIRE_BAD_BODY'],
    async run(bot, count, kind) {
      const p = await hostilePlayer(bot)
      let session: RawConn | null = null
      let reqId = 100
      try {
        for (let i = 0; i < count && !bot.stop.aborted; i++) {
          if (i % 3 === 0) {
            const c = await RawConn.open(addressOf(bot, p), bot.net.localAddress)
            c.sendRaw(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]))
            record(bot, kind, await c.outcome(0, 5_000))
            c.destroy()
            continue
          }
          if (session === null || session.closed) session = await rawSession(bot, p)
          const from = session.answers.length
          if (i % 3 === 1)
            session.send(0, 9_999, reqId++, new Uint8Array(4)) // a game id nobody handles
          else session.send(0, Echo.msgId, reqId++, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f])) // not protobuf
          record(bot, kind, await session.outcome(from, 5_000))
        }
      } finally {
        session?.destroy()
      }
    },
  },
  flood: {
    does: 'send 600 requests at once, past the per-session rate limit (100/s, burst 200)',
    expected: [CUT],
    async run(bot, count, kind) {
      const p = await hostilePlayer(bot)
      for (let i = 0; i < count && !bot.stop.aborted; i++) {
        const c = await rawSession(bot, p)
        const body = Echo.encode(Echo.create({ text: 'flood' }))
        for (let k = 0; k < 600; k++) c.send(0, Echo.msgId, 1000 + k, body)
        await c.until(() => false, 5_000)
        record(bot, kind, c.closed ? CUT : null)
        c.destroy()
      }
    },
  },
  'slow-reader': {
    does: 'ask for large answers (48 KiB echoes, 40/s, within the rate limit) and never read them',
    expected: [CUT],
    async run(bot, count, kind) {
      const p = await hostilePlayer(bot)
      const body = Echo.encode(Echo.create({ text: 'slow', payload: new Uint8Array(48 * 1024) }))
      for (let i = 0; i < count && !bot.stop.aborted; i++) {
        const c = await rawSession(bot, p)
        c.pauseReading()
        const end = Date.now() + 30_000
        for (let k = 0; !c.closed && Date.now() < end && !bot.stop.aborted; k++) {
          c.send(0, Echo.msgId, 1000 + k, body)
          await pause(25)
        }
        // The run ended before the gateway had cut it: an attempt cut short, not one the cluster let through.
        const interrupted = !c.closed && bot.stop.aborted
        if (!interrupted) record(bot, kind, c.closed ? CUT : null)
        c.destroy()
      }
    },
  },
  'reconnect-storm': {
    does: 'cut its socket and resume, `count` times as fast as it can; then open 150 bare connections at once from its address',
    expected: ['RESUMED', CUT],
    async run(bot, count, kind) {
      const p = await hostilePlayer(bot)
      const s: GameSession = await p.connect()
      try {
        let resumes = 0
        s.client.on('open', (e) => {
          if (e.resumed) resumes++
        })
        for (let i = 0; i < count && !bot.stop.aborted; i++) {
          const before = resumes
          s.drop()
          const t0 = Date.now()
          while (resumes === before && s.client.state !== 'closed' && Date.now() - t0 < 10_000) await pause(5)
          record(
            bot,
            kind,
            resumes > before ? 'RESUMED' : s.client.state === 'closed' ? (s.ended?.code ?? CUT) : null,
          )
        }
        // Bare connections: past the accept burst (100 per address) the gateway cuts them at
        // once; the rest are cut when their handshake deadline (10 s) passes.
        const addr = addressOf(bot, p)
        const conns = await Promise.all(
          Array.from({ length: BARE_CONNECTIONS }, () =>
            RawConn.open(addr, bot.net.localAddress).catch(() => null),
          ),
        )
        await Promise.all(conns.map((c) => c?.until(() => false, 15_000)))
        for (const c of conns) {
          record(bot, kind, c === null || c.closed ? CUT : null)
          c?.destroy()
        }
      } finally {
        await s.close()
      }
    },
  },
}
