import type { Socket } from 'node:net'
import type { TesseraError } from '../errors/index.js'
import { type Clock, systemClock, TurnCachedClock } from '../timer/clock.js'
import { type Scheduler, systemTimers } from '../timer/scheduler.js'
import type { TimerHandle } from '../timer/timer-wheel.js'
import { AcceptLimiter } from './accept-limiter.js'
import { formatAddress } from './address.js'
import { Admission } from './admission.js'
import { type ControlCodec, textControlCodec } from './control.js'
import { type NetCounters, newCounters } from './counters.js'
import { resolveEndpoint } from './endpoints.js'
import {
  NetFrameTimeout,
  NetHandshakeTimeout,
  NetIdleTimeout,
  NetKicked,
  NetPeerClosed,
  NetServerClosing,
  NetSessionClosed,
  NetSocketError,
} from './errors.js'
import type { HttpRoutes } from './http/routes.js'
import { IpFilter, type IpRules } from './ip-filter.js'
import {
  type NetLimits,
  type NetLimitsInput,
  resolveNetLimits,
  SESSION_TYPES,
  type SessionType,
} from './limits.js'
import { type NetLogger, silentLogger } from './logger.js'
import { RateBudgets } from './rate-budgets.js'
import { Session, type SessionHandler, type SessionHost } from './session.js'
import type { Acceptor, Connection, Listener, TlsConnectOptions } from './stack.js'
import { defaultStacks, getStack, type StackRegistry } from './stacks.js'
import type { TlsContexts } from './tls/tls-contexts.js'
import type { TokenBucket } from './token-bucket.js'

export interface NetServerOptions {
  handler: SessionHandler
  /** Overrides over {@link defaultNetLimits}, or an already resolved object. */
  limits?: NetLimitsInput
  logger?: NetLogger
  clock?: Clock
  /**
   * Runs the deadline sweep, close graces and connect timeouts: the
   * service's `ctx.timers`, or a wheel on the test's ManualClock (default:
   * the process-wide {@link systemTimers}).
   */
  timers?: Scheduler
  stacks?: StackRegistry
  control?: ControlCodec
  ipRules?: IpRules
  /** Run the deadline sweep on a timer (default true; tests drive {@link NetServer.sweep} by hand). */
  autoSweep?: boolean
}

/**
 * Owns the sessions of one process: listens and connects through stacks,
 * admits sockets (IP lists, accept rate), enforces deadlines on a sweep, and
 * kicks by id or owner. Implements the Acceptor the stacks call and the
 * SessionHost the sessions call.
 */
export class NetServer implements Acceptor, SessionHost {
  readonly limits: Readonly<NetLimits>
  readonly logger: NetLogger
  readonly clock: Clock
  readonly timers: Scheduler
  readonly control: ControlCodec
  readonly handler: SessionHandler
  readonly counters: NetCounters = newCounters()
  readonly writeHighWaterBytes: number
  readonly closeGraceMs: number
  private readonly stacks: StackRegistry
  private readonly ipFilter: IpFilter
  private readonly acceptLimiter: AcceptLimiter
  private readonly admission: Admission
  private readonly budgets: Record<SessionType, RateBudgets>
  private readonly sessions = new Map<number, Session>()
  private readonly listeners = new Set<Listener>()
  private nextId = 1
  private sweepTimer: TimerHandle | null = null
  /** When the last sweep ran (monotonic ms): a late sweep means this process stalled. */
  private lastSweepAt: number
  /** The time the last sweep judged deadlines at (see sweep). */
  private lastJudgedAt: number
  private closing = false
  private closed: Promise<void> | null = null

  constructor(opts: NetServerOptions) {
    this.limits = resolveNetLimits(opts.limits)
    this.logger = opts.logger ?? silentLogger
    // On the real clock, sessions read time once per event-loop turn: one
    // read serves every frame of a socket read (a clock read costs ~100 ns
    // on these VMs, as much as the rest of a frame's bookkeeping). Idle and
    // rate limits lose nothing at that granularity. An injected clock
    // (tests) is used as it is.
    const clock = opts.clock ?? systemClock
    this.clock = clock === systemClock ? new TurnCachedClock(systemClock) : clock
    this.timers = opts.timers ?? systemTimers()
    this.control = opts.control ?? textControlCodec
    this.handler = opts.handler
    this.stacks = opts.stacks ?? defaultStacks()
    this.ipFilter = new IpFilter(opts.ipRules)
    const l = this.limits
    this.writeHighWaterBytes = l.writeHighWaterBytes
    this.closeGraceMs = l.closeGraceMs
    this.acceptLimiter = new AcceptLimiter(l.acceptRatePerSec, l.acceptBurst, l.acceptTrackedIps, this.clock)
    this.admission = new Admission(l, this.counters)
    this.budgets = {
      client: new RateBudgets(this.clock, l.acceptTrackedIps),
      service: new RateBudgets(this.clock, l.acceptTrackedIps),
      admin: new RateBudgets(this.clock, l.acceptTrackedIps),
    }
    this.logger.info({ netLimits: l, stacks: [...this.stacks.keys()] }, 'net limits')
    this.lastSweepAt = this.clock.monotonic()
    this.lastJudgedAt = this.lastSweepAt
    if (opts.autoSweep !== false) {
      this.sweepTimer = this.timers.every(l.sweepIntervalMs, sweepTick, { arg: this })
    }
  }

  get size(): number {
    return this.sessions.size
  }

  get(id: number): Session | undefined {
    return this.sessions.get(id)
  }

  /** Live sessions (a snapshot array). */
  list(): Session[] {
    return [...this.sessions.values()]
  }

  /** Listen on `stack://host:port[/path]` for sessions of `type`; the combination is checked first. */
  async listen(
    address: string,
    type: SessionType,
    opts: { routes?: HttpRoutes; tls?: TlsContexts } = {},
  ): Promise<Listener> {
    const ep = resolveEndpoint({ address, type }, this.limits, this.stacks)
    const listener = await getStack(this.stacks, ep.address.stack).listen(
      { address: ep.address, type, routes: opts.routes, tls: opts.tls },
      this,
    )
    this.listeners.add(listener)
    this.logger.info({ address: formatAddress(listener.address), type }, 'listening')
    return {
      address: listener.address,
      close: () => {
        this.listeners.delete(listener)
        return listener.close()
      },
    }
  }

  /** Connect out; the returned session heartbeats on its own. */
  async connect(
    address: string,
    type: SessionType,
    opts: { localAddress?: string; timeoutMs?: number; tls?: TlsConnectOptions } = {},
  ): Promise<Session> {
    const ep = resolveEndpoint({ address, type }, this.limits, this.stacks)
    const conn = await getStack(this.stacks, ep.address.stack).connect({
      address: ep.address,
      maxFrameBytes: this.limits[type].preAuthMaxFrameBytes,
      localAddress: opts.localAddress,
      timeoutMs: opts.timeoutMs ?? this.limits.upgradeTimeoutMs,
      timers: this.timers,
      tls: opts.tls,
    })
    return this.open(conn, type, true)
  }

  /**
   * @internal Acceptor: IP lists, then the connection caps, before a byte is
   * read. Over the IP's accept rate a socket comes in on probation (see
   * Admission); a stack that passes no socket gets the old rule: refused.
   */
  admit(ip: string, socket?: Socket): boolean {
    if (this.closing || !this.ipFilter.allows(ip)) return this.refuse(ip, 'ip list')
    const underRate = this.acceptLimiter.admit(ip)
    if (socket === undefined) return underRate || this.refuse(ip, 'accept rate')
    const err = this.admission.admit(socket, ip, !underRate, this.clock.monotonic())
    return err === null || this.refuse(ip, err.code)
  }

  private refuse(ip: string, why: string): false {
    this.counters.refused++
    this.logger.debug({ ip, why }, 'connection refused')
    return false
  }

  /** @internal Acceptor: an HTTP request arrived on the socket. */
  settle(socket: Socket): void {
    this.admission.settle(socket)
  }

  /** @internal SessionHost: the session's first frame arrived. */
  firstFrame(s: Session): void {
    const sock = s.conn.socket
    if (sock !== undefined) this.admission.settle(sock)
  }

  /** @internal SessionHost. */
  rateBudget(type: SessionType, key: string): TokenBucket {
    return this.budgets[type].get(key, this.limits[type].msgBurst)
  }

  /** Connections held by admission (accepted sockets, pending ones included), all and pending. */
  get connections(): { total: number; pending: number } {
    return { total: this.admission.size, pending: this.admission.pendingCount }
  }

  /** @internal Acceptor. */
  accept(conn: Connection, type: SessionType): void {
    this.open(conn, type, false)
  }

  private open(conn: Connection, type: SessionType, initiator: boolean): Session {
    const s = new Session(this, this.nextId++, type, conn, this.limits[type], initiator)
    this.counters.accepted++
    // Evicting this connection from now on aborts its session (reason logged, counted).
    if (!initiator && conn.socket !== undefined) this.admission.own(conn.socket, s)
    if (s.isOpen) {
      this.sessions.set(s.id, s)
      try {
        this.handler.onOpen?.(s)
      } catch (err) {
        this.logger.error({ err, session: s.id }, 'onOpen failed')
        s.abort(NetServerClosing.with({ cause: err }))
      }
    }
    return s
  }

  /** @internal SessionHost: the one place a session is released. */
  released(s: Session, reason: TesseraError): void {
    this.sessions.delete(s.id)
    this.counters.released++
    const line = { session: s.id, type: s.type, ip: s.remoteIp, stack: s.conn.stack, reason: reason.code }
    const level = releaseLevel(reason, s.type, s.conn.midFrame === true)
    if (level === 'debug') this.logger.debug(line, 'session released')
    else this.logger[level]({ ...line, message: reason.message, details: reason.details }, 'session released')
    try {
      this.handler.onClose?.(s, reason)
    } catch (err) {
      this.logger.error({ err, session: s.id }, 'onClose failed')
    }
  }

  /** Replace the IP lists (one immutable snapshot swap); optionally kick live sessions they now refuse. */
  setIpRules(rules: IpRules, opts: { kickExisting?: boolean } = {}): number {
    this.ipFilter.replace(rules)
    this.logger.info({ rules }, 'ip rules replaced')
    if (!opts.kickExisting) return 0
    const ids: number[] = []
    for (const s of this.sessions.values()) if (!this.ipFilter.allows(s.remoteIp)) ids.push(s.id)
    return this.kick(ids, 'ip denied')
  }

  get ipRules(): Readonly<IpRules> {
    return this.ipFilter.rules
  }

  /** Kick sessions by id; returns how many were open. */
  kick(ids: Iterable<number>, reason: string): number {
    let n = 0
    for (const id of ids) {
      const s = this.sessions.get(id)
      if (s?.isOpen) {
        s.kick(reason)
        n++
      }
    }
    return n
  }

  /** Kick every session owned by a worker. */
  kickOwner(ownerId: number, reason: string): number {
    const ids: number[] = []
    for (const s of this.sessions.values()) if (s.ownerId === ownerId) ids.push(s.id)
    return this.kick(ids, reason)
  }

  /** Enforce handshake deadline, idle timeout and outbound heartbeats. Runs every sweepIntervalMs. */
  sweep(): void {
    const now = this.clock.monotonic()
    // A sweep later than one interval means this process did not run (GC,
    // an overloaded node, SIGSTOP): what peers sent meanwhile waits unread,
    // and timers run before I/O when the loop wakes. Deadlines are judged at
    // the time the sweep was due, so a peer is cut for silence it kept while
    // this process was listening, never for the stall (the center cut its
    // service links so). The wheel catches up on a late wake by firing the
    // sweep again in the same turn: those fires judge at the same time. The
    // next sweep, a turn later, has read what waited. Each late sweep still
    // moves the time on by an interval: a stalling process keeps cutting,
    // only later. (Sweeps called by hand, without the timer, judge at now.)
    const every = this.limits.sweepIntervalMs
    const gap = now - this.lastSweepAt
    let at = now
    if (this.sweepTimer !== null && gap > 2 * every) at = this.lastSweepAt + every
    else if (this.sweepTimer !== null && gap < every / 2) at = Math.min(now, this.lastJudgedAt)
    this.lastSweepAt = now
    this.lastJudgedAt = at
    for (const s of this.sessions.values()) {
      if (!s.isOpen) continue
      const l = s.limits
      if (!s.authenticated && l.handshakeTimeoutMs > 0 && at - s.createdAt >= l.handshakeTimeoutMs) {
        s.abort(new NetHandshakeTimeout(l.handshakeTimeoutMs))
      } else if (l.idleTimeoutMs > 0 && at - s.lastRecvAt >= l.idleTimeoutMs) {
        s.kickFor(new NetIdleTimeout(l.idleTimeoutMs))
      } else if (l.frameTimeoutMs > 0 && frameOverdue(s, now, at, l.frameTimeoutMs)) {
        this.counters.frameTimeouts++
        s.kickFor(new NetFrameTimeout(l.frameTimeoutMs))
      } else if (s.initiator && l.heartbeatIntervalMs > 0 && heartbeatDue(s, now, l.heartbeatIntervalMs)) {
        s.sendHeartbeat()
      }
    }
    this.acceptLimiter.sweep()
    this.admission.sweep(now)
    for (const t of SESSION_TYPES)
      this.budgets[t].sweep(this.limits[t].msgRatePerSec, this.limits[t].msgBurst)
  }

  /**
   * Stop listening, close every session (NET_SERVER_CLOSING) and wait for
   * their release. Every call returns the same promise.
   */
  close(): Promise<void> {
    this.closed ??= this.closeOnce()
    return this.closed
  }

  private async closeOnce(): Promise<void> {
    this.closing = true
    if (this.sweepTimer !== null) this.timers.cancel(this.sweepTimer)
    this.sweepTimer = null
    const ls = [...this.listeners]
    this.listeners.clear()
    const reason = new NetServerClosing()
    await Promise.all([...ls.map((l) => l.close()), ...this.list().map((s) => s.close(reason))])
  }
}

/**
 * Levels say what an operator must act on. Ordinary goodbyes are debug,
 * decisions of ours info; anything the peer did wrong warn. A handler marks
 * an ordinary end it decides itself (a client's Goodbye) with
 * `details.ordinary`, and a session it ends by its own decision (a newer
 * login elsewhere, an operator kick, a drain) with `details.decided`
 * ({@link ourDecision}). A client's socket reset or broken pipe between
 * frames (a phone changing networks, a closed tab) is routine at a game's
 * scale: info, and counted in the metrics; mid-frame (a truncated frame, as
 * a half-close mid-frame) or on a service link it is warn.
 */
export function releaseLevel(
  reason: TesseraError,
  type?: SessionType,
  midFrame = false,
): 'debug' | 'info' | 'warn' {
  const cause: unknown = reason.cause
  if (reason.details?.ordinary === true) return 'debug'
  if (reason.details?.decided === true) return 'info'
  if (NetPeerClosed.is(reason)) return reason.details?.midFrame === true ? 'warn' : 'debug'
  if (NetServerClosing.is(reason) || NetSessionClosed.is(reason)) return 'debug'
  if (NetKicked.is(reason)) return 'info'
  if (
    type === 'client' &&
    !midFrame &&
    NetSocketError.is(reason) &&
    ROUTINE_SOCKET_ERRORS.has(errnoOf(cause))
  )
    return 'info'
  return 'warn'
}

const ROUTINE_SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT'])
const errnoOf = (e: unknown): string => String((e as { code?: unknown } | undefined)?.code ?? '')

/**
 * Mark `err` as a session end this side decided (logged at info on release,
 * not as the peer's fault). Returns `err`.
 */
export function ourDecision(err: TesseraError): TesseraError {
  ;(err as { details: unknown }).details = { ...err.details, decided: true }
  return err
}

/**
 * Per-frame deadline, checked on the sweep: a partial frame first seen at a
 * sweep must be complete (some frame finished) within `ms`. Reading paused by
 * this side (inbound queue full) is not the peer's fault and resets the mark.
 * Marked at `now`, judged at `at` (see sweep).
 */
function frameOverdue(s: Session, now: number, at: number, ms: number): boolean {
  if (s.conn.midFrame !== true || s.readPaused) {
    s.frameMarkAt = -1
    return false
  }
  if (s.frameMarkAt < 0 || s.frameMarkFrames !== s.framesIn) {
    s.frameMarkAt = now
    s.frameMarkFrames = s.framesIn
    return false
  }
  return at - s.frameMarkAt >= ms
}

/**
 * A connecting side heartbeats when it has sent nothing for an interval (the
 * peer's idle deadline is fed) and also when it has received nothing for one
 * (the answer feeds its own): a link whose traffic runs one way only —
 * notifications, never answered — was cut by the sender's idle deadline
 * while it sent every second (login ↔ gateway links, every 20 s, in a soak).
 * At most one heartbeat an interval while no answer comes.
 */
function heartbeatDue(s: Session, now: number, every: number): boolean {
  if (now - s.lastSendAt >= every) return true
  return now - s.lastRecvAt >= every && now - s.lastHeartbeatAt >= every
}

function sweepTick(server: NetServer): void {
  server.sweep()
}
