// What a scenario gets to drive one bot: its name, stack, transports bound
// to its source address, the stats it records into and the run's stop
// signal; and `Player`, the game-client steps every scenario shares.
import { randomBytes } from 'node:crypto'
import { type LoggedIn, LoginFlow, TesseraClient, type TesseraClientError } from '@tessera/client'
import type { MessageType } from '@tessera/protocol'
import { BotsCheckFailed } from '../errors.js'
import { DroppableSocket, type Stack, type Transports } from '../net/transports.js'
import type { BotStats } from '../stats/bot-stats.js'

export interface BotContext {
  /** Unique in the run (worker process and number), used in account names and errors. */
  readonly name: string
  readonly stack: Stack
  readonly net: Transports
  /** Where this bot records now (a scenario's phase may switch it). */
  readonly stats: BotStats
  /** Aborted when the run asks bots to wind down (end of --duration, Ctrl-C). */
  readonly stop: AbortSignal
  /** Options of the run that scenarios read (idle time, rounds...). */
  readonly options: ScenarioOptions
  /** Register something to close if the run's hard deadline passes with the bot still busy. */
  track(c: { close(): unknown }): () => void
  /** The bot holds an open game connection (+1) or no longer does (-1): the live view's "connected". */
  connected(delta: 1 | -1): void
}

export interface ScenarioOptions {
  /** Rounds each bot plays; 0 = until the run winds down. */
  rounds: number
  /** Idle time inside a round, ms (a random part of it, so bots do not march in step). */
  idleMs: number
  /** Hostile scenario: attempts per kind. */
  hostile: Record<string, number>
  /** Hostile scenario: polite bots play alone this long before the hostile ones start, s. */
  baselineS: number
  /** Hostile scenario: attack again this many seconds after each attempt series ends (soak); 0 or absent = once. */
  hostileEveryS?: number
  /** Hostile scenario: local addresses the hostile bots connect from (none: the OS picks). */
  hostileIps: readonly string[]
  /** Chat (play, chat-heavy): the server's limits the bots pace to, and what they chat in. */
  chat: ChatOptions
}

export interface ChatOptions {
  /** The cluster's `chat.ratePerSec` and `chat.burst` (the bots stay inside them). */
  ratePerSec: number
  burst: number
  /** Named channels the bots share (`bots-0` … ). */
  channels: number
  /** play: a round chats in the world channel every this many rounds (the first one always). */
  worldEvery: number
  /** chat-heavy: lines each bot sends per second. */
  linesPerSec: number
  /** chat-heavy: send at `linesPerSec` even past the server's rate; CHAT_RATE_LIMITED is then expected and counted. */
  exceedRate: boolean
}

/** Throw BOTS_CHECK_FAILED naming the bot unless `ok`. */
export function check(bot: BotContext, ok: boolean, what: string): asserts ok {
  if (!ok) throw new BotsCheckFailed(bot.name, what)
}

/** Sleep `ms`, or less when the run winds down. */
export function pause(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      stop?.removeEventListener('abort', done)
      resolve()
    }
    stop?.addEventListener('abort', done, { once: true })
  })
}

export const newPassword = () => `bot-${randomBytes(12).toString('base64url')}`

/** An account name within login's rules (a-z 0-9 _ . -, at most 32). */
export function accountName(bot: BotContext, tag = 'bot'): string {
  return `${tag}_${bot.name}_${randomBytes(4).toString('hex')}`.toLowerCase().slice(0, 32)
}

/** Login answered "busy" or "unavailable": wait and try again (bounded), as a game client's retry would. */
const BUSY_RETRIES = 20

/**
 * A player as a game client is: an account, the login flow (admission
 * queue included), a TesseraClient on the hand-off's gateway; requests are
 * timed and counted, pushes and resumes counted.
 */
export class Player {
  readonly account: string
  readonly password = newPassword()
  private readonly flow: LoginFlow
  loggedIn: LoggedIn | null = null

  constructor(
    readonly bot: BotContext,
    tag = 'bot',
  ) {
    this.account = accountName(bot, tag)
    this.flow = new LoginFlow(bot.net.api)
    this.flow.on('queue', () => bot.stats.count('queued'))
  }

  async register(): Promise<void> {
    await this.retryBusy('register', () =>
      this.bot.net.api.register({
        account: this.account,
        password: this.password,
        nickname: `Bot ${this.bot.name}`,
      }),
    )
  }

  async login(): Promise<LoggedIn> {
    const r = await this.retryBusy('login', () => this.flow.login(this.account, this.password))
    this.bot.stats.count('logins')
    this.loggedIn = r
    return r
  }

  /**
   * Log out, retried as login is: when a whole run winds down, every bot
   * logs out in the same second (922 of 2,000 idle-hold bots once failed so
   * in `pnpm bench bots`, LOGIN_UNAVAILABLE); login batches logouts now,
   * and still says "retry shortly" when too many wait (LOGIN_LOGOUT_BUSY)
   * or its database is slow. A retry that finds the session gone
   * (LOGIN_BAD_SESSION) means an earlier attempt went through after its
   * answer timed out; on a first attempt it is a failure, not retried.
   */
  async logout(): Promise<void> {
    const t = this.loggedIn?.sessionToken
    this.loggedIn = null
    if (!t) return
    let tries = 0
    try {
      await this.retryBusy('logout', () => {
        tries++
        return this.bot.net.api.logout(t)
      })
    } catch (err) {
      if (tries < 2 || (err as TesseraClientError).code !== 'LOGIN_BAD_SESSION') throw err
    }
  }

  /** Open a game session on the last login's hand-off; `before` sees it before the handshake (push handlers). */
  async connect(before?: (s: GameSession) => void): Promise<GameSession> {
    if (!this.loggedIn) throw new Error('connect before login')
    const s = new GameSession(this.bot, this.loggedIn)
    before?.(s)
    await s.open()
    return s
  }

  private async retryBusy<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await this.bot.stats.time(what, fn)
      } catch (err) {
        const code = (err as TesseraClientError).code
        if (!RETRY_CODES.has(code) || i >= BUSY_RETRIES) throw err
        this.bot.stats.count(code === 'LOGIN_UNAVAILABLE' ? 'login.unavailable' : 'login.busy')
        await pause(100 + Math.random() * 400 * Math.min(8, i + 1))
      }
    }
  }
}

/**
 * Refusals that mean "retry shortly" (docs/login.md): busy (its queue of
 * password checks full or too long), too many checks from this address at
 * once, too many logouts waiting, or its database slow to answer.
 */
const RETRY_CODES = new Set([
  'LOGIN_BUSY',
  'LOGIN_BUSY_WAITED',
  'LOGIN_THROTTLED_IP_IN_FLIGHT',
  'LOGIN_LOGOUT_BUSY',
  'LOGIN_UNAVAILABLE',
])

/** One game session: a TesseraClient whose socket the scenario may cut to exercise resume. */
export class GameSession {
  readonly client: TesseraClient
  private readonly sock: DroppableSocket
  /** Game frames the bot has seen arrive (responses, pushes): the session's sequence must match. */
  framesSeen = 0
  /** Why the session ended, when the server ended it. */
  ended: TesseraClientError | null = null
  /** The server forgot the session (a resume was refused). */
  lost = false
  private isConnected = false
  private readonly untrack: () => void

  constructor(
    readonly bot: BotContext,
    readonly login: LoggedIn,
  ) {
    this.sock = new DroppableSocket(bot.net.socket(login.handoff, bot.stack))
    this.client = new TesseraClient({
      socket: this.sock.factory,
      token: login.handoff.token,
      clientKind: 'tessera-bot',
      // Give up after about a minute of failed reconnects; the scenario then logs in again.
      reconnect: { initialDelayMs: 50, maxDelayMs: 2000, maxAttempts: 30 },
    })
    const c = this.client
    c.on('disconnect', () => {
      bot.stats.count('reconnects')
      this.setConnected(false)
    })
    c.on('open', (e) => {
      if (e.resumed) bot.stats.count('resumes')
      this.setConnected(true)
    })
    // Every game push counts, also those the scenario has no handler for
    // (the catalogue and daily pushes at a player's first join).
    c.on('push', () => {
      this.framesSeen++
      bot.stats.count('pushes')
    })
    c.on('sessionLost', () => {
      this.lost = true
      bot.stats.count('sessions.lost')
    })
    c.on('close', (e) => {
      this.ended = e.error
      this.setConnected(false)
    })
    this.untrack = bot.track(c)
  }

  private setConnected(on: boolean): void {
    if (on === this.isConnected) return
    this.isConnected = on
    this.bot.connected(on ? 1 : -1)
  }

  async open(): Promise<void> {
    await this.bot.stats.time('connect', () => this.client.connect())
  }

  /** A timed, counted request; the answer is counted as a frame seen. */
  async request<Req, Res>(
    name: string,
    type: MessageType<Req>,
    msg: Partial<Req>,
    response?: MessageType<Res>,
  ): Promise<Res> {
    this.bot.stats.count('requests')
    try {
      const r = await this.bot.stats.time(name, () =>
        this.client.request(type, msg, response ? { response, timeoutMs: 30_000 } : { timeoutMs: 30_000 }),
      )
      this.framesSeen++
      return r as Res
    } catch (err) {
      // A refusal from the server is a frame of the session too.
      if ((err as TesseraClientError).wireCode > 0) this.framesSeen++
      throw err
    }
  }

  /** Handle a push type: counted (pushes/s, and the sequence check). */
  onPush<T>(type: MessageType<T>, fn: (m: T) => void): () => void {
    return this.client.onPush(type, fn)
  }

  /** Cut the socket as a lost network does; the client reconnects and resumes. */
  drop(): void {
    this.sock.drop()
  }

  /** Every game frame the server sent in this session arrived exactly once. */
  checkSequence(): void {
    check(
      this.bot,
      this.client.receivedSeq === this.framesSeen,
      `the session counted ${this.client.receivedSeq} server frames, the bot saw ${this.framesSeen} (lost or doubled across a resume)`,
    )
  }

  async close(): Promise<void> {
    try {
      await this.client.close()
    } finally {
      this.untrack()
      this.setConnected(false)
    }
  }
}
