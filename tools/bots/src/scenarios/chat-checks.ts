// What a bot checks about chat, apart from the cluster so a test can feed
// it a real sequence: its own lines come back once each, in the order it
// sent them (also across a resume), none lost; private messages reach the
// receiver once (a stored one may come again after a logic died, counted).

import type { TesseraError } from '@tessera/kernel'
import { ChatKind, type ChatPush } from '@tessera/protocol'
import { BotsCheckFailed } from '../errors.js'

/** Wait for the lines still missing at most this long before calling them lost. */
export const DELIVERY_WAIT_MS = 15_000

interface Waiter {
  done(): boolean
  resolve(): void
}

/** Resolves once `done()` holds after a `poke()`, or at the deadline (the caller checks again). */
class Waiters {
  private readonly list = new Set<Waiter>()

  wait(done: () => boolean, ms: number): Promise<void> {
    if (done()) return Promise.resolve()
    return new Promise((resolve) => {
      const w: Waiter = {
        done,
        resolve: () => {
          clearTimeout(t)
          this.list.delete(w)
          resolve()
        },
      }
      const t = setTimeout(w.resolve, ms)
      this.list.add(w)
    })
  }

  poke(): void {
    for (const w of this.list) if (w.done()) w.resolve()
  }
}

/**
 * A bot's own lines in one channel ("world" or a named one): `sending()`
 * before each line leaves, `pushed()` for every ChatPush the bot gets;
 * `settle()` waits for the missing ones and fails on loss. A push of an own
 * line seen twice, or out of send order, fails at once.
 */
export class OwnLines {
  private readonly sent: string[] = []
  /** Own lines pushed so far (an index into `sent`). */
  private seen = 0
  private readonly ids = new Set<bigint>()
  private readonly waiters = new Waiters()
  /** First violation: thrown from `settle()` too, since a push handler's throw goes nowhere. */
  private failure: TesseraError | null = null

  constructor(
    readonly bot: string,
    readonly userId: bigint,
    readonly channel: string,
  ) {}

  sending(text: string): void {
    this.sent.push(text)
  }

  /** The line was refused (nothing pushed): it leaves the expected order. Only the last one sent. */
  refused(text: string): void {
    const i = this.sent.lastIndexOf(text)
    if (i >= this.seen) this.sent.splice(i, 1)
  }

  /** Every ChatPush of the session; lines of others and other channels are ignored. */
  pushed(p: ChatPush): void {
    if (p.fromUserId !== this.userId || p.channel !== this.channel || p.kind !== ChatKind.CHAT_KIND_CHANNEL)
      return
    if (this.ids.has(p.messageId))
      this.fail(`chat line ${JSON.stringify(p.text)} (id ${p.messageId}) in ${this.channel} pushed twice`)
    else if (this.sent[this.seen] !== p.text)
      this.fail(
        `chat line ${JSON.stringify(p.text)} in ${this.channel} out of order: expected ${JSON.stringify(this.sent[this.seen] ?? '(no more lines)')}`,
      )
    this.ids.add(p.messageId)
    this.seen++
    this.waiters.poke()
  }

  get pending(): number {
    return this.sent.length - this.seen
  }

  /** Wait (bounded) until every line sent came back; fail on the first violation or a lost line. */
  async settle(ms = DELIVERY_WAIT_MS): Promise<void> {
    await this.waiters.wait(() => this.pending <= 0 || this.failure !== null, ms)
    if (this.failure) throw this.failure
    if (this.pending > 0)
      this.fail(
        `${this.pending} of ${this.sent.length} own chat lines in ${this.channel} never came back within ${ms} ms (first: ${JSON.stringify(this.sent[this.seen])})`,
      )
  }

  private fail(what: string): never {
    this.failure ??= new BotsCheckFailed(this.bot, what)
    throw this.failure
  }
}

/**
 * Private messages one player sent another, across rounds and re-logins:
 * `sent()` after each ChatPrivateRes, `got()` for each private push the
 * receiver sees. A message id twice is an error, except a stored one
 * delivered again at a login (a logic killed between delivering and
 * deleting stored mail delivers it again under the same id: counted).
 */
export class PrivateLedger {
  private readonly expected = new Map<bigint, string>()
  private readonly received = new Set<bigint>()
  private readonly waiters = new Waiters()
  private failure: TesseraError | null = null
  redelivered = 0

  constructor(
    readonly bot: string,
    readonly from: bigint,
  ) {}

  sent(messageId: bigint, text: string): void {
    this.expected.set(messageId, text)
    this.waiters.poke()
  }

  /** Forget what an attempt sent (its round is played again after a fault; a lost online push is no error then). */
  reset(): void {
    this.expected.clear()
  }

  got(p: ChatPush): void {
    if (p.kind !== ChatKind.CHAT_KIND_PRIVATE || p.fromUserId !== this.from) return
    if (this.received.has(p.messageId)) {
      if (p.stored) this.redelivered++
      else this.fail(`private message ${p.messageId} ${JSON.stringify(p.text)} pushed twice`)
    }
    const want = this.expected.get(p.messageId)
    if (want !== undefined && want !== p.text)
      this.fail(
        `private message ${p.messageId} arrived as ${JSON.stringify(p.text)}, sent ${JSON.stringify(want)}`,
      )
    this.received.add(p.messageId)
    this.waiters.poke()
  }

  private missing(): bigint[] {
    return [...this.expected.keys()].filter((id) => !this.received.has(id))
  }

  /** Wait (bounded) until every message sent in this attempt arrived. */
  async settle(ms = DELIVERY_WAIT_MS): Promise<void> {
    await this.waiters.wait(() => this.missing().length === 0 || this.failure !== null, ms)
    if (this.failure) throw this.failure
    const lost = this.missing()
    if (lost.length)
      this.fail(
        `private message${lost.length > 1 ? 's' : ''} ${lost.join(', ')} never arrived within ${ms} ms (${lost.map((id) => JSON.stringify(this.expected.get(id))).join(', ')})`,
      )
  }

  private fail(what: string): never {
    this.failure ??= new BotsCheckFailed(this.bot, what)
    throw this.failure
  }
}

/**
 * The bot's side of the chat rate limit: a token bucket a little inside the
 * server's (`chat.burst`, `chat.ratePerSec`), so lines delayed on the way
 * and arriving together still fit the server's bucket.
 */
export class ChatPacer {
  private tokens: number
  private at = performance.now()
  readonly burst: number
  readonly perSec: number

  constructor(serverPerSec: number, serverBurst: number) {
    this.perSec = serverPerSec * 0.8
    this.burst = Math.max(1, serverBurst - 2)
    this.tokens = this.burst
  }

  /** Ms to wait before the next line may leave (0: now; the token is taken). */
  take(): number {
    const now = performance.now()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSec) / 1000)
    this.at = now
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSec)
  }
}

/** The wait a CHAT_RATE_LIMITED refusal names ("... wait N ms"), or 500 ms. */
export function rateWaitMs(err: unknown): number {
  const m = /wait (\d+) ms/.exec((err as Error)?.message ?? '')
  return m ? Number(m[1]) : 500
}
