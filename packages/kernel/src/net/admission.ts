import type { Socket } from 'node:net'
import type { TesseraError } from '../errors/index.js'
import type { NetCounters } from './counters.js'
import { NetIpLimit, NetNodeLimit, NetPendingEvicted, NetProbationTimeout } from './errors.js'
import type { NetLimits } from './limits.js'

const kAdmitted = Symbol('tessera.admitted')

/** What admission keeps per accepted socket (on the socket itself, under a symbol). */
interface Ticket {
  readonly owner: Admission
  readonly ip: string
  readonly since: number
  readonly probation: boolean
  pending: boolean
  /** Its session once it has one: cutting then aborts it (reason logged, counted). */
  session: Abortable | null
}

/** What admission needs of a session. */
export interface Abortable {
  abort(reason: TesseraError): unknown
}
type Tracked = Socket & { [kAdmitted]?: Ticket }

/** One source IP's connections. Sets iterate in insertion order: the first is the oldest. */
interface PerIp {
  count: number
  pending: Set<Tracked>
  probation: Set<Tracked>
}

/**
 * Who may hold a connection: caps per source IP and per server on
 * connections, and on *pending* ones (no complete first frame or HTTP
 * request yet). At a cap the oldest pending connection is cut rather than the
 * newcomer refused, so a client that completes its handshake promptly gets in
 * even when an abusive neighbour behind the same NAT holds or churns sockets;
 * a newcomer is refused only when the IP (or server) is full of connections
 * past their first frame. Connections over the per-IP accept rate come in on
 * probation: a short deadline to their first frame, and evicted first.
 */
export class Admission {
  private readonly perIp = new Map<string, PerIp>()
  /** Every pending socket of the server, oldest first. */
  private readonly pending = new Set<Tracked>()
  private total = 0

  constructor(
    private readonly limits: Readonly<NetLimits>,
    private readonly counters: NetCounters,
  ) {}

  /** Connections held (admitted and not yet closed). */
  get size(): number {
    return this.total
  }

  get pendingCount(): number {
    return this.pending.size
  }

  /** Connections held from one IP. */
  countOf(ip: string): number {
    return this.perIp.get(ip)?.count ?? 0
  }

  /**
   * Admit a socket from `ip`, cutting older pending connections to make
   * room; null when it may come in, else why it is refused.
   */
  admit(socket: Socket, ip: string, probation: boolean, now: number): TesseraError | null {
    const l = this.limits
    if (l.maxConnections > 0 && this.total >= l.maxConnections) {
      if (!this.evictOldest(null)) {
        this.counters.refusedNodeLimit++
        return new NetNodeLimit(l.maxConnections)
      }
    }
    let e = this.perIp.get(ip)
    if (e !== undefined) {
      if (l.maxConnectionsPerIp > 0 && e.count >= l.maxConnectionsPerIp && !this.evictOldest(e)) {
        this.counters.refusedIpLimit++
        return new NetIpLimit(l.maxConnectionsPerIp)
      }
      if (e.pending.size + e.probation.size >= l.maxPendingPerIp) this.evictOldest(e)
    } else {
      e = { count: 0, pending: new Set(), probation: new Set() }
      this.perIp.set(ip, e)
    }
    if (this.pending.size >= l.maxPending) this.evictOldest(null)
    const t = socket as Tracked
    t[kAdmitted] = { owner: this, ip, since: now, probation, pending: true, session: null }
    e.count++
    this.total++
    ;(probation ? e.probation : e.pending).add(t)
    this.pending.add(t)
    if (probation) this.counters.probation++
    t.on('close', onTrackedClose)
    return null
  }

  /** From now on, cutting this socket aborts `session`. */
  own(socket: Socket, session: Abortable): void {
    const t = (socket as Tracked)[kAdmitted]
    if (t !== undefined && t.owner === this) t.session = session
  }

  /** The socket's first frame (or HTTP request) arrived: it is no longer pending. */
  settle(socket: Socket): void {
    const s = socket as Tracked
    const t = s[kAdmitted]
    if (t === undefined || !t.pending || t.owner !== this) return
    this.unpend(s, t)
  }

  /** Cut probation connections past their deadline. Bounded by maxPending. */
  sweep(now: number): void {
    const ms = this.limits.probationMs
    for (const s of this.pending) {
      const t = s[kAdmitted]!
      if (t.probation && now - t.since >= ms) {
        this.counters.probationTimeouts++
        this.cut(s, t, new NetProbationTimeout(ms))
      }
    }
  }

  /** @internal the socket closed, whatever closed it. */
  forget(s: Tracked): void {
    const t = s[kAdmitted]
    if (t === undefined) return
    s[kAdmitted] = undefined
    if (t.pending) this.unpend(s, t)
    const e = this.perIp.get(t.ip)
    this.total--
    if (e !== undefined && --e.count === 0) this.perIp.delete(t.ip)
  }

  /** Cut the oldest pending connection of `e` (probation first), or of the server when null. */
  private evictOldest(e: PerIp | null): boolean {
    let victim: Tracked | undefined
    if (e === null) {
      for (const s of this.pending) {
        victim = s
        break
      }
    } else {
      for (const s of e.probation.size > 0 ? e.probation : e.pending) {
        victim = s
        break
      }
    }
    if (victim === undefined) return false
    const t = victim[kAdmitted]!
    this.counters.evictedPending++
    this.cut(victim, t, new NetPendingEvicted(e === null ? 'server pending cap' : 'address pending cap'))
    // Released from the counts now: the socket's 'close' comes later.
    this.forget(victim)
    return true
  }

  private cut(s: Tracked, t: Ticket, err: TesseraError): void {
    if (t.pending) this.unpend(s, t)
    if (t.session !== null) t.session.abort(err)
    else {
      s.on('error', ignore)
      s.destroy()
    }
  }

  private unpend(s: Tracked, t: Ticket): void {
    t.pending = false
    this.pending.delete(s)
    const e = this.perIp.get(t.ip)
    if (e === undefined) return
    e.pending.delete(s)
    e.probation.delete(s)
  }
}

function onTrackedClose(this: Tracked): void {
  this[kAdmitted]?.owner.forget(this)
}

function ignore(): void {}
