import type { MessageType, ServiceInfo } from '@tessera/wire'
import { TesseraError, toTesseraError } from '../errors/index.js'
import { decodeMinimalReason, type Frame, FrameFlag, type NetLogger, silentLogger } from '../net/index.js'
import { type Scheduler, systemTimers, type TimerHandle } from '../timer/index.js'
import { type Backoff, backoffDelay, Channel } from './channel.js'
import {
  ClusterBacklogFull,
  ClusterBadBody,
  ClusterClosed,
  ClusterLinkLost,
  ClusterNoAddress,
  ClusterNoService,
  ClusterPeerGone,
  ClusterTimeout,
  ClusterUnknownService,
  ClusterUnreachable,
  ClusterWrongPeer,
} from './errors.js'
import { InboundDispatch } from './inbound-dispatch.js'
import { Membership } from './membership.js'
import type { ClusterTransport, Link, LinkHandler } from './transport.js'

/** A service id, or a kind with an optional id (absent or 0 = any of the kind, round-robin). */
export type Target = number | { kind: string; id?: number }

export interface ServiceProxyOptions {
  transport: ClusterTransport
  logger?: NetLogger
  membership?: Membership
  /** Default request timeout. Default 5000 ms. */
  timeoutMs?: number
  backoff?: Partial<Backoff>
  /** Frames kept per peer while its link is down. Default 100000. */
  maxBacklog?: number
  /**
   * Runs request timeouts, re-dial backoff and drain deadlines: the
   * service's `ctx.timers`, or a wheel on the test's ManualClock (default:
   * the process-wide systemTimers()).
   */
  timers?: Scheduler
}

/** Counters since start, exported as metrics. */
export interface ProxyStats {
  requestsSent: number
  responsesReceived: number
  requestsFailed: number
  timeouts: number
  notificationsSent: number
  messagesReceived: number
  /** Notifications that could not be delivered (their peer left the cluster). */
  undelivered: number
  lateResponses: number
  dialFailures: number
}

interface Pending {
  reqId: number
  resolve(v: unknown): void
  reject(e: unknown): void
  res: MessageType<unknown>
  timer: TimerHandle
  channel: Channel
  /** The link the request went out on; null while it waits for one. */
  link: Link | null
  name: string
  timeoutMs: number
  /** performance.now() when sent (round-trip time). */
  sentAt: number
}

/**
 * Service-to-service messaging: request/response with timeouts,
 * notifications and broadcasts, routed by service id (0 = round-robin over a
 * kind) over persistent authenticated links. A message to a service that is
 * gone fails at once with a CLUSTER_ error; a request never waits longer than
 * its timeout. Links are dialled on first use and redialled with backoff.
 */
export class ServiceProxy implements LinkHandler {
  readonly membership: Membership
  readonly stats: ProxyStats = {
    requestsSent: 0,
    responsesReceived: 0,
    requestsFailed: 0,
    timeouts: 0,
    notificationsSent: 0,
    messagesReceived: 0,
    undelivered: 0,
    lateResponses: 0,
    dialFailures: 0,
  }
  private readonly transport: ClusterTransport
  private readonly logger: NetLogger
  private readonly timeoutMs: number
  private readonly timers: Scheduler
  /** One callback for every request deadline (the request id is the timer's argument). */
  private readonly onTimeout = (reqId: number): void => this.timedOut(reqId)
  private readonly backoff: Backoff
  private readonly maxBacklog: number
  private readonly channels = new Map<number, Channel>()
  private readonly pending = new Map<number, Pending>()
  private readonly inboundDispatch: InboundDispatch
  private readonly inbound = new Set<Link>()
  private readonly downListeners: ((link: Link, reason: TesseraError) => void)[] = []
  private nextReqId = 0
  private closed = false
  private closing: Promise<void> | null = null

  constructor(opts: ServiceProxyOptions) {
    this.transport = opts.transport
    this.logger = opts.logger ?? silentLogger
    this.membership = opts.membership ?? new Membership()
    this.timeoutMs = opts.timeoutMs ?? 5000
    this.timers = opts.timers ?? systemTimers()
    this.inboundDispatch = new InboundDispatch(this.logger, this.timers)
    this.backoff = { baseMs: 100, maxMs: 5000, ...opts.backoff }
    this.maxBacklog = opts.maxBacklog ?? 100_000
    this.transport.bind(this)
    this.membership.onChange((c) => {
      for (const s of c.down) {
        const ch = this.channels.get(s.serviceId)
        if (ch && !ch.fixed) this.closeChannel(ch, new ClusterPeerGone(ch.label, 'left the cluster'))
      }
      for (const s of c.up) {
        const ch = this.channels.get(s.serviceId)
        const addr = clusterAddress(s)
        if (ch && !ch.fixed && addr && addr !== ch.address) ch.address = addr
      }
    })
  }

  get identity() {
    return this.transport.identity
  }

  /** Listen for peers; returns the bound `tcp://host:port`. */
  listen(address: string): Promise<string> {
    return this.transport.listen(address)
  }

  /** A peer reached at a fixed address whatever the membership says (the center). */
  addFixedPeer(serviceId: number, kind: string, address: string): void {
    const old = this.channels.get(serviceId)
    if (old) this.closeChannel(old, new ClusterPeerGone(old.label, 'replaced'))
    this.channels.set(serviceId, new Channel(serviceId, kind, address, true))
  }

  /** Handle requests of `req`, answering with `res`. A thrown error goes back to the caller with its code. */
  handle<Q, R>(req: MessageType<Q>, res: MessageType<R>, fn: (msg: Q, link: Link) => R | Promise<R>): this {
    this.inboundDispatch.add(
      req as MessageType<unknown>,
      res as MessageType<unknown>,
      fn as (m: unknown, l: Link) => unknown,
    )
    return this
  }

  /** Handle notifications (and broadcasts) of `type`. */
  on<T>(type: MessageType<T>, fn: (msg: T, link: Link) => void): this {
    this.inboundDispatch.add(type as MessageType<unknown>, null, fn as (m: unknown, l: Link) => unknown)
    return this
  }

  /**
   * Told the round-trip time (seconds) of every request answered with a
   * body (the Application feeds its `tessera_cluster_request_seconds`).
   */
  onRoundTrip: ((seconds: number) => void) | undefined

  /** Called after any link (inbound or outbound) closed. */
  addLinkDownListener(fn: (link: Link, reason: TesseraError) => void): void {
    this.downListeners.push(fn)
  }

  /** Send a request and wait for its answer (or a CLUSTER_ error, at the latest after the timeout). */
  request<Q, R>(
    target: Target,
    req: MessageType<Q>,
    msg: Q,
    res: MessageType<R>,
    opts: { timeoutMs?: number } = {},
  ): Promise<R> {
    let ch: Channel
    let body: Uint8Array
    try {
      ch = this.route(target)
      body = req.encode(msg)
    } catch (err) {
      this.stats.requestsFailed++
      return Promise.reject(err)
    }
    return new Promise<R>((resolve, reject) => {
      const reqId = this.newReqId()
      const timeoutMs = opts.timeoutMs ?? this.timeoutMs
      const p: Pending = {
        reqId,
        resolve: resolve as (v: unknown) => void,
        reject,
        res: res as MessageType<unknown>,
        timer: this.timers.after(timeoutMs, this.onTimeout, reqId),
        channel: ch,
        link: null,
        name: req.name,
        timeoutMs,
        sentAt: performance.now(),
      }
      this.pending.set(reqId, p)
      this.stats.requestsSent++
      const link = ch.link
      if (link?.isOpen) {
        p.link = link
        link.send(0, req.msgId, reqId, body)
      } else {
        try {
          this.enqueue(ch, req.msgId, reqId, body)
        } catch (err) {
          this.fail(p, err)
        }
      }
    })
  }

  /** One-way message. Throws at once when the target is unknown; queued while its link comes up. */
  notify<T>(target: Target, type: MessageType<T>, msg: T): void {
    const ch = this.route(target)
    this.notifyChannel(ch, type.msgId, type.encode(msg))
  }

  /** Notify every known service of a kind; returns how many were addressed. */
  broadcast<T>(kind: string, type: MessageType<T>, msg: T): number {
    const body = type.encode(msg)
    let n = 0
    for (const s of this.membership.ofKind(kind)) {
      this.notifyChannel(this.channelFor(s), type.msgId, body)
      n++
    }
    return n
  }

  /** Notify on a given link (the center pushes to registered services over their own link). */
  sendOn<T>(link: Link, type: MessageType<T>, msg: T): boolean {
    this.stats.notificationsSent++
    return link.send(0, type.msgId, 0, type.encode(msg))
  }

  /** State for the admin endpoint. */
  state(): Record<string, unknown> {
    return {
      identity: this.identity,
      members: this.membership.list().map((s) => ({ ...s, startedAtMs: String(s.startedAtMs) })),
      channels: [...this.channels.values()].map((c) => ({
        peer: c.label,
        address: c.address,
        up: c.up,
        backlog: c.backlog.length,
        attempt: c.attempt,
      })),
      inboundLinks: [...this.inbound].map((l) => ({ id: l.id, peer: l.peer })),
      pendingRequests: this.pending.size,
      stats: { ...this.stats },
    }
  }

  /** Inbound requests being handled right now. */
  get inflightRequests(): number {
    return this.inboundDispatch.inflightRequests
  }

  /**
   * Wait until every inbound request being handled has been answered (the
   * drain step of a graceful stop). Resolves true when idle, false if
   * `timeoutMs` passed first.
   */
  drain(timeoutMs: number): Promise<boolean> {
    return this.inboundDispatch.drain(timeoutMs)
  }

  /** Fail what is pending and close every link. Every call returns the same promise. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce()
    return this.closing
  }

  private async closeOnce(): Promise<void> {
    this.closed = true
    for (const ch of [...this.channels.values()]) this.closeChannel(ch, new ClusterClosed())
    for (const p of [...this.pending.values()]) this.fail(p, new ClusterClosed())
    await this.transport.close()
  }

  // ---- LinkHandler ---------------------------------------------------------

  onLinkUp(link: Link): void {
    this.inbound.add(link)
  }

  onLinkDown(link: Link, reason: TesseraError): void {
    this.inbound.delete(link)
    for (const p of [...this.pending.values()]) {
      if (p.link === link)
        this.fail(p, ClusterLinkLost.with({ cause: reason }, p.channel.label, reason.message))
    }
    for (const ch of this.channels.values()) {
      if (ch.link === link) {
        ch.link = null
        this.logger.warn({ peer: ch.label, reason: reason.code }, 'cluster: link down')
        if (ch.backlog.length > 0) this.dial(ch)
      }
    }
    for (const fn of this.downListeners) fn(link, reason)
  }

  onFrame(link: Link, frame: Frame): void {
    const flags = frame.flags
    if ((flags & FrameFlag.RESPONSE) !== 0) {
      const p = this.pending.get(frame.reqId)
      if (p === undefined || p.link !== link) {
        this.stats.lateResponses++
        return
      }
      this.pending.delete(frame.reqId)
      this.timers.cancel(p.timer)
      if ((flags & FrameFlag.ERROR) !== 0) {
        const r = decodeMinimalReason(frame.body)
        this.stats.requestsFailed++
        p.reject(new TesseraError(r.code, r.message, { details: { peer: p.channel.label, request: p.name } }))
        return
      }
      let v: unknown
      try {
        v = p.res.decode(frame.body)
      } catch (err) {
        this.stats.requestsFailed++
        p.reject(ClusterBadBody.with({ cause: err }, p.res.name, (err as Error).message))
        return
      }
      this.stats.responsesReceived++
      this.onRoundTrip?.((performance.now() - p.sentAt) / 1000)
      p.resolve(v)
      return
    }
    this.stats.messagesReceived++
    this.inboundDispatch.dispatch(link, frame)
  }

  // ---- internals -----------------------------------------------------------

  private route(target: Target): Channel {
    if (this.closed) throw new ClusterClosed()
    let id: number
    let kind: string | undefined
    if (typeof target === 'number') id = target
    else {
      kind = target.kind
      id = target.id ?? 0
    }
    if (id === 0) {
      const s = this.membership.pick(kind!)
      if (!s) throw new ClusterNoService(kind!)
      return this.channelFor(s)
    }
    const fixed = this.channels.get(id)
    if (fixed?.fixed) return fixed
    const s = this.membership.get(id)
    if (!s || (kind !== undefined && s.kind !== kind)) throw new ClusterUnknownService(id)
    return this.channelFor(s)
  }

  private channelFor(s: ServiceInfo): Channel {
    let ch = this.channels.get(s.serviceId)
    if (ch === undefined) {
      const addr = clusterAddress(s)
      if (!addr) throw new ClusterNoAddress(`${s.kind}#${s.serviceId}`)
      ch = new Channel(s.serviceId, s.kind, addr, false)
      this.channels.set(s.serviceId, ch)
    }
    return ch
  }

  private notifyChannel(ch: Channel, msgId: number, body: Uint8Array): void {
    this.stats.notificationsSent++
    const link = ch.link
    if (link?.isOpen) link.send(0, msgId, 0, body)
    else this.enqueue(ch, msgId, 0, body)
  }

  private enqueue(ch: Channel, msgId: number, reqId: number, body: Uint8Array): void {
    if (ch.backlog.length >= this.maxBacklog) throw new ClusterBacklogFull(ch.label, ch.backlog.length)
    if (reqId !== 0 && !ch.dialing && ch.lastError !== null && performance.now() < ch.retryAt)
      throw ClusterUnreachable.with(
        { cause: ch.lastError },
        ch.label,
        `retrying after: ${ch.lastError.message}`,
      )
    ch.backlog.push({ msgId, reqId, body })
    if (!ch.dialing && ch.retryTimer === null) this.dial(ch)
  }

  private dial(ch: Channel): void {
    if (ch.dialing || ch.closed || this.closed) return
    ch.dialing = true
    this.transport.dial(ch.address).then(
      (link) => {
        ch.dialing = false
        if (ch.closed || this.closed) {
          void link.close()
          return
        }
        // A fixed peer (the center) is known by address and kind; others by id too.
        if (link.peer.kind !== ch.kind || (!ch.fixed && link.peer.serviceId !== ch.serviceId)) {
          void link.close()
          this.dialFailed(ch, new ClusterWrongPeer(ch.label, `${link.peer.kind}#${link.peer.serviceId}`))
          return
        }
        ch.link = link
        ch.attempt = 0
        ch.lastError = null
        const q = ch.backlog
        ch.backlog = []
        for (const f of q) {
          if (f.reqId !== 0) {
            const p = this.pending.get(f.reqId)
            if (p === undefined) continue // timed out while waiting
            p.link = link
          }
          link.send(0, f.msgId, f.reqId, f.body)
        }
      },
      (err: unknown) => {
        ch.dialing = false
        this.dialFailed(ch, toTesseraError(err))
      },
    )
  }

  /**
   * A dial failed: waiting requests fail now (their callers learn at once),
   * notifications stay queued and the channel retries with backoff.
   */
  private dialFailed(ch: Channel, err: TesseraError): void {
    this.stats.dialFailures++
    this.logger.warn(
      { peer: ch.label, address: ch.address, attempt: ch.attempt, code: err.code },
      'cluster: dial failed',
    )
    const keep = []
    for (const f of ch.backlog) {
      if (f.reqId === 0) keep.push(f)
      else {
        const p = this.pending.get(f.reqId)
        if (p) this.fail(p, err)
      }
    }
    ch.backlog = keep
    const delay = backoffDelay(this.backoff, ch.attempt++)
    ch.retryAt = performance.now() + delay
    ch.lastError = err
    // Queued notifications are retried on a timer; requests re-dial on their
    // own once the delay has passed and fail at once before that.
    if (keep.length === 0) return
    ch.retryTimer = this.timers.after(delay, () => {
      ch.retryTimer = null
      this.dial(ch)
    })
  }

  private closeChannel(ch: Channel, reason: TesseraError): void {
    ch.closed = true
    this.channels.delete(ch.serviceId)
    if (ch.retryTimer !== null) this.timers.cancel(ch.retryTimer)
    ch.retryTimer = null
    for (const p of [...this.pending.values()]) if (p.channel === ch) this.fail(p, reason)
    const lost = ch.backlog.length
    ch.backlog = []
    if (lost > 0) {
      this.stats.undelivered += lost
      this.logger.warn(
        { peer: ch.label, messages: lost, reason: reason.code },
        'cluster: undelivered notifications',
      )
    }
    if (ch.link) void ch.link.close(reason)
    ch.link = null
  }

  private fail(p: Pending, err: unknown): void {
    if (this.pending.get(p.reqId) !== p) return
    this.pending.delete(p.reqId)
    this.timers.cancel(p.timer)
    this.stats.requestsFailed++
    p.reject(err)
  }

  /** @internal */
  timedOut(reqId: number): void {
    const p = this.pending.get(reqId)
    if (!p) return
    this.stats.timeouts++
    this.fail(p, new ClusterTimeout(p.name, p.channel.label, p.timeoutMs))
  }

  private newReqId(): number {
    do {
      this.nextReqId = this.nextReqId >= 0xffffffff ? 1 : this.nextReqId + 1
    } while (this.pending.has(this.nextReqId))
    return this.nextReqId
  }
}

/** The first `tcp://` address a service registered (its cluster link). */
export function clusterAddress(s: ServiceInfo): string | undefined {
  return s.addresses.find((a) => a.startsWith('tcp://'))
}
