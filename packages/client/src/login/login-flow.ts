import { Emitter } from '../client-events.js'
import { TesseraClientError } from '../errors.js'
import type { AccountLoginRes, GatewayHandoff, LoginApi } from './login-api.js'

/** What a finished login gives the game: who it is and where to connect. */
export interface LoggedIn {
  userId: bigint
  nickname: string
  /** For logout, nickname and password changes. */
  sessionToken: string
  sessionExpiresAtMs: bigint
  /** Present it to the gateway (as the handshake token) before `expiresAtMs`. */
  handoff: GatewayHandoff
}

export interface LoginFlowEvents {
  /** The online cap is reached: the player waits at `position` (1 = next). */
  queue: { position: number }
  /** Admitted (straight away or after the queue). */
  admitted: LoggedIn
}

export interface LoginFlowOptions {
  /** HTTP: poll the queue this often (default: a third of the server's keep-alive, at most 5 s). */
  pollMs?: number
}

/**
 * Log in and wait through the admission queue: `await flow.login(a, p)`
 * resolves once the player is admitted, with the gateway hand-off; while
 * queued, `queue` events tell the position. Over a socket the server pushes
 * positions; over HTTP the flow polls (which also keeps the place).
 * `cancel()` gives the place up.
 */
export class LoginFlow {
  private readonly events = new Emitter<LoginFlowEvents>()
  private ticket: string | undefined
  private cancelled: (() => void) | undefined

  constructor(
    readonly api: LoginApi,
    private readonly opts: LoginFlowOptions = {},
  ) {}

  on<K extends keyof LoginFlowEvents>(event: K, fn: (ev: LoginFlowEvents[K]) => void): () => void {
    return this.events.on(event, fn)
  }

  async login(account: string, password: string): Promise<LoggedIn> {
    const r = await this.api.login({ account, password })
    const done = (handoff: GatewayHandoff): LoggedIn => {
      const out = {
        userId: r.userId,
        nickname: r.nickname,
        sessionToken: r.sessionToken,
        sessionExpiresAtMs: r.sessionExpiresAtMs,
        handoff,
      }
      this.events.emit('admitted', out)
      return out
    }
    if (r.handoff) return done(r.handoff)
    if (!r.queue)
      throw new TesseraClientError('CLIENT_PROTOCOL', 'login answer has neither hand-off nor queue place')
    return done(await this.waitInQueue(r))
  }

  /** Leave the queue (the pending login() rejects with CLIENT_CLOSED). */
  async cancel(): Promise<void> {
    const t = this.ticket
    this.cancelled?.()
    if (t) await this.api.queueLeave(t).catch(() => false)
  }

  private waitInQueue(r: AccountLoginRes): Promise<GatewayHandoff> {
    const q = r.queue!
    this.ticket = q.ticket
    this.events.emit('queue', { position: q.position })
    return new Promise<GatewayHandoff>((resolve, reject) => {
      let last = q.position
      let timer: ReturnType<typeof setTimeout> | undefined
      let stopPush: (() => void) | undefined
      const finish = (err: TesseraClientError | null, h?: GatewayHandoff) => {
        if (timer !== undefined) clearTimeout(timer)
        stopPush?.()
        this.cancelled = undefined
        this.ticket = undefined
        if (err) reject(err)
        else resolve(h!)
      }
      const seen = (position: number, handoff: GatewayHandoff | undefined) => {
        if (handoff) return finish(null, handoff)
        if (position !== last) {
          last = position
          this.events.emit('queue', { position })
        }
      }
      this.cancelled = () => finish(new TesseraClientError('CLIENT_CLOSED', 'left the login queue'))
      if (this.api.onQueuePush) {
        // The server keeps the place while the socket is open and pushes every move.
        stopPush = this.api.onQueuePush((s) => seen(s.position, s.handoff))
        return
      }
      const every = this.opts.pollMs ?? Math.min(5_000, Math.max(250, Math.floor(q.keepAliveMs / 3)))
      const poll = () => {
        timer = setTimeout(async () => {
          try {
            const s = await this.api.queuePoll(q.ticket)
            if (this.cancelled === undefined) return
            seen(s.position, s.handoff)
            if (!s.handoff) poll()
          } catch (err) {
            finish(
              err instanceof TesseraClientError
                ? err
                : new TesseraClientError('CLIENT_PROTOCOL', String(err)),
            )
          }
        }, every)
      }
      poll()
    })
  }
}
