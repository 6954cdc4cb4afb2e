import type { MessageType } from '@tessera/wire'
import { type TesseraError, toTesseraError } from '../errors/index.js'
import type { Clock } from '../timer/clock.js'
import type { Scheduler } from '../timer/scheduler.js'
import type { TimerHandle } from '../timer/timer-wheel.js'
import type { ControlCodec } from './control.js'
import { EMPTY_BODY } from './control.js'
import type { NetCounters } from './counters.js'
import {
  NetFrameTooLarge,
  NetKicked,
  NetOutboundOverflow,
  NetPeerClosed,
  NetRateLimited,
  NetSessionClosed,
  NetTooManyErrors,
  NetUnknownMessage,
} from './errors.js'
import {
  decodeFrame,
  encodeFrame,
  FrameFlag,
  type FrameHeader,
  HEADER_BYTES,
  InboundFrame,
} from './frame-header.js'
import type { FrameSealer } from './frame-sealer.js'
import type { SessionLimits, SessionType } from './limits.js'
import type { NetLogger } from './logger.js'
import { OutboundLanes } from './outbound-lanes.js'
import { SendPolicy } from './send-policy.js'
import type { Connection, ConnectionSink } from './stack.js'
import { TokenBucket } from './token-bucket.js'

/** What the application plugs into sessions: one object for all of them. */
export interface SessionHandler {
  /** A session was accepted or connected (not yet authenticated). */
  onOpen?(session: Session): void
  /**
   * One inbound message (heartbeats excluded). Return a promise to have the
   * session wait for it before dispatching the next one (ordered per
   * session; waiting messages form the bounded inbound queue). Throw
   * NET_UNKNOWN_MESSAGE (or any error) to answer with an error reply.
   */
  onMessage(session: Session, frame: InboundFrame): void | Promise<void>
  /** The session was released; called exactly once per session. */
  onClose?(session: Session, reason: TesseraError): void
  /**
   * An inbound frame failed the session's {@link FrameSealer} (forged,
   * replayed or plaintext on a sealed session). Without this hook the
   * session is aborted with the error.
   */
  onBadFrame?(session: Session, frame: InboundFrame, err: TesseraError): void
}

/** Server-wide pieces a session needs, passed in once (the NetServer implements it). */
export interface SessionHost {
  readonly handler: SessionHandler
  readonly logger: NetLogger
  readonly clock: Clock
  /** Runs the close grace (see {@link Session.close}). */
  readonly timers: Scheduler
  readonly control: ControlCodec
  readonly writeHighWaterBytes: number
  readonly closeGraceMs: number
  readonly counters: NetCounters
  /** Called once when a session is released. */
  released(session: Session, reason: TesseraError): void
  /** The session's first complete frame arrived (it is no longer a pending connection). */
  firstFrame(session: Session): void
  /** The shared message-rate bucket of `key` for sessions of `type`. */
  rateBudget(type: SessionType, key: string): TokenBucket
}

const OPEN = 0
const CLOSING = 1
const CLOSED = 2

const resolved = Promise.resolve()

/**
 * One peer connection, whatever its stack. Lean on purpose (tens of
 * thousands per process): queues, rate bucket and close promise are
 * allocated only when first needed, and no closures are created per session.
 *
 * Outbound frames that are not control (PRIORITY) are numbered in
 * {@link outSeq}; resume (the lead's follow-up) keeps frames by that number.
 */
export class Session implements ConnectionSink {
  readonly id: number
  readonly type: SessionType
  readonly conn: Connection
  readonly limits: Readonly<SessionLimits>
  /** True when this side connected out (it sends heartbeats). */
  readonly initiator: boolean
  /** Worker / owner the session belongs to (kick by owner). */
  ownerId = 0
  /** Free slot for the application (user binding, resume token...). */
  data: unknown = undefined
  authenticated = false
  /** Monotonic ms of creation, last inbound frame and last outbound frame (tracked on the connecting side only). */
  readonly createdAt: number
  lastRecvAt: number
  lastSendAt: number
  /** Monotonic ms of the last heartbeat this (connecting) side sent; -Infinity before the first. */
  lastHeartbeatAt = Number.NEGATIVE_INFINITY
  /** Sequence number of the last non-control frame sent (1-based). */
  outSeq = 0
  droppedBroadcasts = 0
  droppedInbound = 0
  badMessages = 0
  /** Frames received (heartbeats included). */
  framesIn = 0
  /** @internal per-frame deadline: when a partial frame was first seen, and {@link framesIn} then (-1: none seen). */
  frameMarkAt = -1
  frameMarkFrames = 0
  /** Why the session closed (first reason wins); null while open. */
  closeReason: TesseraError | null = null

  private readonly host: SessionHost
  private state = OPEN
  private bucket: TokenBucket | null = null
  private lanes: OutboundLanes | null = null
  private inbound: InboundFrame[] | null = null
  private busy = false
  private paused = false
  private closedPromise: Promise<void> | null = null
  private resolveClosed: (() => void) | null = null
  private graceTimer: TimerHandle | null = null
  private sealer: FrameSealer | null = null

  constructor(
    host: SessionHost,
    id: number,
    type: SessionType,
    conn: Connection,
    limits: Readonly<SessionLimits>,
    initiator: boolean,
  ) {
    this.host = host
    this.id = id
    this.type = type
    this.conn = conn
    this.limits = limits
    this.initiator = initiator
    const now = host.clock.monotonic()
    this.createdAt = now
    this.lastRecvAt = now
    this.lastSendAt = now
    conn.setMaxFrameBytes(limits.preAuthMaxFrameBytes)
    conn.bind(this)
  }

  get remoteIp(): string {
    return this.conn.remoteIp
  }

  get isOpen(): boolean {
    return this.state === OPEN
  }

  /** Bytes waiting to go out: in the transport plus in the session lanes. */
  get outboundBytes(): number {
    return this.conn.bufferedBytes() + (this.lanes?.bytes ?? 0)
  }

  /** Handshake and token check passed: lift the pre-auth frame cap and the handshake deadline. */
  markAuthenticated(): void {
    if (this.authenticated) return
    this.authenticated = true
    this.conn.setMaxFrameBytes(this.limits.maxFrameBytes)
  }

  /**
   * From now on every frame is sealed on its way out and opened on its way
   * in (set right after the handshake reply, which itself leaves in clear).
   * Sealed frames leave in the order they were sealed: the priority lane no
   * longer overtakes, since the peer's replay window is only 32 frames wide.
   */
  setSealer(sealer: FrameSealer): void {
    this.sealer = sealer
  }

  get sealed(): boolean {
    return this.sealer !== null
  }

  // ---- outbound ------------------------------------------------------------

  /** Send a frame. Returns false when it was dropped or the session is closed. */
  send(
    flags: number,
    msgId: number,
    reqId: number,
    body: Uint8Array,
    policy: SendPolicy = SendPolicy.KEEP,
  ): boolean {
    return this.sendBytes(flags, msgId, reqId, body, body.length, policy)
  }

  /**
   * Encode `message` as `type` straight into the outbound frame: the body
   * bytes go from the encoder's scratch buffer into the frame, with no body
   * array allocated in between (what {@link send} with `type.encode()` costs).
   */
  sendMessage<T>(
    flags: number,
    msgId: number,
    reqId: number,
    type: MessageType<T>,
    message: T,
    policy: SendPolicy = SendPolicy.KEEP,
  ): boolean {
    const conn = this.conn
    const lanes = this.lanes
    if (
      conn.writeMessage !== undefined &&
      this.sealer === null &&
      this.state === OPEN &&
      (lanes === null || lanes.count === 0)
    ) {
      // Straight into the stack's outbound buffer when nothing waits and the
      // frame cannot break a limit: the hard cap is checked against the
      // largest frame the stack would take this way.
      const backlog = conn.bufferedBytes()
      const room = this.limits.outboundHardBytes - backlog
      if (
        backlog < this.host.writeHighWaterBytes &&
        room > 0 &&
        (policy !== SendPolicy.DROPPABLE || backlog < this.limits.outboundSoftBytes)
      ) {
        const n = conn.writeMessage(flags, msgId, reqId, type, message, room)
        if (n >= 0) {
          this.sent(flags)
          return true
        }
      }
    }
    const scratch = type.encodeScratch(message)
    try {
      return this.sendBytes(flags, msgId, reqId, scratch.buf, scratch.pos, policy)
    } finally {
      scratch.release()
    }
  }

  /** A typed push: `type.msgId`, reqId 0 (see {@link sendMessage}). */
  pushMessage<T>(type: MessageType<T>, message: T, policy: SendPolicy = SendPolicy.KEEP): boolean {
    return this.sendMessage(0, type.msgId, 0, type, message, policy)
  }

  /** A typed answer to a request: same msgId and reqId, RESPONSE flag (see {@link sendMessage}). */
  replyMessage<T>(req: FrameHeader, type: MessageType<T>, message: T, flags = 0): boolean {
    return this.sendMessage(flags | FrameFlag.RESPONSE, req.msgId, req.reqId, type, message)
  }

  /** Send a frame whose body is `body[0, length)`. */
  private sendBytes(
    flags: number,
    msgId: number,
    reqId: number,
    body: Uint8Array,
    length: number,
    policy: number,
  ): boolean {
    if (this.state !== OPEN) {
      this.host.counters.writesAfterClose++
      return false
    }
    const sealer = this.sealer
    if (sealer !== null) {
      const s = sealer.seal(flags, msgId, reqId, length === body.length ? body : body.subarray(0, length))
      flags = s.flags
      body = s.body
      length = body.length
    }
    const conn = this.conn
    const size = conn.prefixBytes + HEADER_BYTES + length
    const lanes = this.lanes
    const laneBytes = lanes === null ? 0 : lanes.bytes
    let inSocket = conn.bufferedBytes()
    let backlog = inSocket + laneBytes
    if (
      (inSocket >= this.host.writeHighWaterBytes ||
        backlog + size > this.limits.outboundHardBytes ||
        (policy === SendPolicy.DROPPABLE && backlog >= this.limits.outboundSoftBytes)) &&
      conn.flush?.() === true
    ) {
      // Part of the backlog was only this turn's coalesced frames: judged
      // again once the kernel has taken what it takes, as without coalescing.
      inSocket = conn.bufferedBytes()
      backlog = inSocket + laneBytes
    }
    if (policy === SendPolicy.DROPPABLE && backlog >= this.limits.outboundSoftBytes) {
      this.droppedBroadcasts++
      this.host.counters.droppedBroadcasts++
      return false
    }
    if (backlog + size > this.limits.outboundHardBytes) {
      this.host.counters.outboundOverflows++
      this.abort(new NetOutboundOverflow(backlog + size, this.limits.outboundHardBytes))
      return false
    }
    this.sent(flags)
    if ((lanes === null || lanes.count === 0) && inSocket < this.host.writeHighWaterBytes)
      conn.writeFrame(flags, msgId, reqId, body, length)
    else {
      if (this.lanes === null) this.lanes = new OutboundLanes()
      this.lanes.push(
        encodeFrame(conn.prefixBytes, flags, msgId, reqId, body, length),
        (flags & FrameFlag.PRIORITY) !== 0 && sealer === null,
      )
    }
    return true
  }

  /** Bookkeeping of a frame handed to the stack or the lanes. */
  private sent(flags: number): void {
    if ((flags & FrameFlag.PRIORITY) === 0) this.outSeq++
    // Only a connecting side heartbeats on send silence: spare the clock read otherwise.
    if (this.initiator) this.lastSendAt = this.host.clock.monotonic()
  }

  /** A push (reqId 0). */
  push(msgId: number, body: Uint8Array, policy: SendPolicy = SendPolicy.KEEP): boolean {
    return this.send(0, msgId, 0, body, policy)
  }

  /** Answer a request: same msgId and reqId, RESPONSE flag. Never dropped. */
  reply(req: FrameHeader, body: Uint8Array, flags = 0): boolean {
    return this.send(flags | FrameFlag.RESPONSE, req.msgId, req.reqId, body)
  }

  /** Answer a request with an error (RESPONSE | ERROR, body from the control codec). */
  replyError(req: FrameHeader, err: TesseraError): boolean {
    return this.send(
      FrameFlag.RESPONSE | FrameFlag.ERROR,
      req.msgId,
      req.reqId,
      this.host.control.encodeError(err.code, err.message),
    )
  }

  /** A control message on the priority lane: overtakes queued traffic, never dropped. */
  sendControl(msgId: number, body: Uint8Array, flags = 0): boolean {
    return this.send(flags | FrameFlag.PRIORITY, msgId, 0, body)
  }

  sendHeartbeat(): boolean {
    this.lastHeartbeatAt = this.host.clock.monotonic()
    return this.sendControl(this.host.control.heartbeatId, EMPTY_BODY)
  }

  /** Tell the peer why (priority lane), then close gracefully. */
  kick(reason: string): Promise<void> {
    return this.kickFor(new NetKicked(reason), reason)
  }

  /**
   * Send a Kick naming `err` (the control codec maps its code to a kick
   * reason: NET_RATE_LIMITED → flood, NET_IDLE_TIMEOUT → idle...), then
   * close gracefully with `err` as the reason (`message`, default its own,
   * is the text the peer gets). Nothing more is parsed.
   */
  kickFor(err: TesseraError, message: string = err.message): Promise<void> {
    if (this.state === OPEN) {
      this.sendControl(this.host.control.kickId, this.host.control.encodeKick(err.code, message))
      return this.close(err)
    }
    return this.whenClosed()
  }

  /**
   * From now on take message-rate tokens from the bucket shared by every
   * session of `key` (the edge passes the user: a reconnect or resume then
   * continues the budget instead of starting a fresh burst).
   */
  shareRateBudget(key: string): void {
    if (this.limits.msgRatePerSec > 0) this.bucket = this.host.rateBudget(this.type, key)
  }

  /** True when reading is paused by this side (inbound queue full): a partial frame is then not the peer's fault. */
  get readPaused(): boolean {
    return this.paused
  }

  /** @internal transport drained: move waiting frames, priority lane first. */
  onDrain(): void {
    const lanes = this.lanes
    if (lanes === null || lanes.count === 0) return
    const conn = this.conn
    const high = this.host.writeHighWaterBytes
    while (lanes.count > 0) {
      // A full socket is judged on what the kernel refused, not on this turn's coalesced frames.
      if (conn.bufferedBytes() >= high && !(conn.flush?.() === true && conn.bufferedBytes() < high)) break
      conn.write(lanes.shift()!)
    }
  }

  // ---- inbound -------------------------------------------------------------

  /** @internal one frame from the connection. */
  onFrame(buf: Uint8Array, start: number, end: number): void {
    if (this.state !== OPEN) return
    const max = this.authenticated ? this.limits.maxFrameBytes : this.limits.preAuthMaxFrameBytes
    if (end - start > max) {
      this.abort(new NetFrameTooLarge(end - start, max))
      return
    }
    // The rate budget first: a flooding peer's frames cost no decoding.
    const host = this.host
    const now = host.clock.monotonic()
    this.lastRecvAt = now
    if (++this.framesIn === 1) host.firstFrame(this)
    const l = this.limits
    if (l.msgRatePerSec > 0) {
      if (this.bucket === null) this.bucket = new TokenBucket(l.msgBurst, now)
      if (!this.bucket.take(l.msgRatePerSec, l.msgBurst, now)) {
        host.counters.rateLimited++
        this.kickFor(new NetRateLimited(l.msgRatePerSec))
        return
      }
    }
    let frame: InboundFrame
    try {
      frame = decodeFrame(buf, start, end)
    } catch (err) {
      // A bad header means the stream is not ours (garbage): no resync possible.
      host.counters.badMessages++
      this.abort(toTesseraError(err))
      return
    }
    if (this.sealer !== null) {
      let plain: Uint8Array
      try {
        plain = this.sealer.open(frame.flags, frame.msgId, frame.reqId, frame.body)
      } catch (err) {
        const e = toTesseraError(err)
        host.counters.badMessages++
        if (host.handler.onBadFrame !== undefined) host.handler.onBadFrame(this, frame, e)
        else this.abort(e)
        return
      }
      frame = new InboundFrame(
        frame.flags & ~FrameFlag.ENCRYPTED,
        frame.msgId,
        frame.reqId,
        plain,
        0,
        plain.length,
      )
    }
    if (frame.msgId === host.control.heartbeatId) {
      if ((frame.flags & FrameFlag.RESPONSE) === 0)
        this.send(FrameFlag.RESPONSE | FrameFlag.PRIORITY, frame.msgId, frame.reqId, EMPTY_BODY)
      return
    }
    if (this.busy) this.enqueue(frame)
    else this.dispatch(frame)
  }

  private enqueue(frame: InboundFrame): void {
    if (this.inbound === null) this.inbound = []
    const q = this.inbound
    const max = this.limits.inboundQueueMax
    if (q.length >= max && this.limits.dropInboundOverflow) {
      this.droppedInbound++
      this.host.counters.droppedInbound++
      return
    }
    q.push(frame)
    if (q.length >= max && !this.paused) {
      this.paused = true
      this.conn.pause()
    }
  }

  private dispatch(frame: InboundFrame): void {
    let r: void | Promise<void>
    try {
      r = this.host.handler.onMessage(this, frame)
    } catch (err) {
      this.failed(frame, err)
      return
    }
    if (r !== undefined && typeof r.then === 'function') {
      this.busy = true
      r.then(
        () => this.settled(),
        (err: unknown) => {
          this.failed(frame, err)
          this.settled()
        },
      )
    }
  }

  /** An async handler finished: run queued messages until one goes async again. */
  private settled(): void {
    this.busy = false
    const q = this.inbound
    while (q !== null && q.length > 0 && !this.busy && this.state === OPEN) this.dispatch(q.shift()!)
    if (this.paused && (q === null || q.length <= this.limits.inboundQueueMax >> 1)) {
      this.paused = false
      this.conn.resume()
    }
  }

  private failed(frame: InboundFrame, err: unknown): void {
    const e = toTesseraError(err)
    if (NetUnknownMessage.is(e)) {
      this.badMessages++
      this.host.counters.badMessages++
      this.host.logger.warn(
        { session: this.id, ip: this.remoteIp, msgId: frame.msgId, code: e.code },
        'unknown message id',
      )
    } else {
      this.host.logger.error({ session: this.id, msgId: frame.msgId, err: e }, 'message handler failed')
    }
    this.replyError(frame, e)
    if (this.badMessages > this.limits.maxBadMessages) this.abort(new NetTooManyErrors(this.badMessages))
  }

  // ---- close ---------------------------------------------------------------

  /**
   * Close gracefully: queued frames are flushed, then the transport ends;
   * after `closeGraceMs` it is destroyed. Idempotent: every call returns the
   * same promise, resolved once the session is released.
   */
  close(reason?: TesseraError): Promise<void> {
    if (this.state !== OPEN) return this.whenClosed()
    this.state = CLOSING
    this.closeReason = reason ?? new NetSessionClosed(this.id)
    const lanes = this.lanes
    if (lanes !== null) while (lanes.count > 0) this.conn.write(lanes.shift()!)
    this.conn.end()
    if (this.state === CLOSING) {
      this.graceTimer = this.host.timers.after(this.host.closeGraceMs, destroyAfterGrace, this)
    }
    return this.whenClosed()
  }

  /** Close now, dropping anything queued. Idempotent like {@link close}. */
  abort(reason: TesseraError): Promise<void> {
    if (this.state === CLOSED) return this.whenClosed()
    this.state = CLOSING
    if (this.closeReason === null) this.closeReason = reason
    this.conn.destroy(reason)
    return this.whenClosed()
  }

  /** Resolves once the session has been released. */
  whenClosed(): Promise<void> {
    if (this.closedPromise === null) {
      if (this.state === CLOSED) this.closedPromise = resolved
      else this.closedPromise = new Promise((res) => (this.resolveClosed = res))
    }
    return this.closedPromise
  }

  /** @internal the transport closed: the single release point. */
  onClose(err: TesseraError | null): void {
    if (this.state === CLOSED) return
    this.state = CLOSED
    if (this.graceTimer !== null) this.host.timers.cancel(this.graceTimer)
    this.graceTimer = null
    this.lanes = null
    this.inbound = null
    this.bucket = null
    this.sealer?.destroy()
    this.sealer = null
    const reason = this.closeReason ?? err ?? new NetPeerClosed()
    this.closeReason = reason
    try {
      this.host.released(this, reason)
    } finally {
      this.resolveClosed?.()
      this.resolveClosed = null
    }
  }
}

function destroyAfterGrace(s: Session): void {
  s.conn.destroy()
}
