import { Ack, FrameFlag, Kick, type MessageType, ReplayBuffer } from '@tessera/wire'
import type { MessageCodec, SessionCipher } from '../codec/index.js'
import type { TesseraError } from '../errors/index.js'
import { SendPolicy, type Session } from '../net/index.js'
import type { Scheduler, TimerHandle } from '../timer/index.js'
import { EdgeNodeReplayFull, EdgeResumeBufferFull } from './errors.js'
import { kickMessage, kickReasonFor } from './wire-codes.js'

/** What an edge session needs from its server, passed in once. */
export interface EdgeSessionHost {
  readonly ackEvery: number
  readonly ackDelayMs: number
  readonly maxReplayBytes: number
  /** Replay bytes held by every session of the server, kept up to date by the sessions. */
  replayTotal: number
  /** Past this node-wide total, a session holding more than {@link replayShareBytes} is released. */
  readonly maxNodeReplayBytes: number
  readonly replayShareBytes: number
  /** Runs the ack delay and the resume grace. */
  readonly timers: Scheduler
  codecFor(compress: boolean): MessageCodec
  /** The session ended for good (grace expired, buffer overflow, closed). */
  released(s: EdgeSession, reason: TesseraError): void
  /** Log a session-level event. */
  warn(obj: object, msg: string): void
}

export type EdgeSessionState = 'live' | 'lingering' | 'released'

/**
 * A client's logical session at the edge. It outlives its connections: when
 * the socket drops it lingers for the grace period with every game message
 * the client has not acknowledged; a resume attaches a new connection and
 * replays them. Game messages (msgId >= 1000) are numbered implicitly, in
 * the order they are handed to the session, in both directions.
 */
export class EdgeSession {
  readonly id: string
  readonly userId: bigint | string
  resumeToken: string
  state: EdgeSessionState = 'live'
  /** Current connection, null while lingering. */
  net: Session | null = null
  cipher: SessionCipher | null = null
  compress = false
  /** Free slot for the application. */
  data: unknown = undefined
  /** Game messages received from the client (implicit sequence). */
  inSeq = 0
  /** Broadcasts dropped under backpressure (never sequenced). */
  droppedBroadcasts = 0
  /** Messages sent again after resumes (metrics, tests). */
  replayed = 0
  /** Connections this session has had (1 + resumes). */
  connections = 0
  lingerTimer: TimerHandle | null = null
  /** Inbound messages waiting for or running in a handler. */
  inflight = 0
  /** Serialises handlers: messages of one session are handled in order. */
  chain: Promise<void> = Promise.resolve()

  private readonly host: EdgeSessionHost
  private readonly out = new ReplayBuffer()
  private ackedIn = 0
  private ackTimer: TimerHandle | null = null

  constructor(host: EdgeSessionHost, id: string, userId: bigint | string, resumeToken: string) {
    this.host = host
    this.id = id
    this.userId = userId
    this.resumeToken = resumeToken
  }

  /** Game messages sent so far (the last sequence number). */
  get outSeq(): number {
    return this.out.lastSeq
  }

  /** Unacknowledged outbound messages held for resume, and their bytes. */
  get pendingReplay(): { count: number; bytes: number } {
    return { count: this.out.size, bytes: this.out.bytes }
  }

  /** Push a message to the client (reqId 0). Droppable pushes are dropped, unsequenced, under backpressure. */
  push<T>(type: MessageType<T>, message: T, opts: { droppable?: boolean } = {}): boolean {
    if (this.state === 'released') return false
    if (opts.droppable) {
      const n = this.net
      if (n === null || n.outboundBytes >= n.limits.outboundSoftBytes) {
        this.droppedBroadcasts++
        return false
      }
    }
    this.enqueue(0, type.msgId, 0, type.encode(message))
    return true
  }

  /** Sequence, keep for replay and send if connected. Flags: RESPONSE / ERROR as needed. */
  enqueue(flags: number, msgId: number, reqId: number, body: Uint8Array): void {
    if (this.state === 'released') return
    const host = this.host
    const out = this.out
    const before = out.bytes
    const item = out.push(flags, msgId, reqId, body)
    host.replayTotal += out.bytes - before
    if (out.bytes > host.maxReplayBytes) {
      host.released(this, new EdgeResumeBufferFull(out.bytes, host.maxReplayBytes))
      return
    }
    // Memory of the whole node: stalled readers (a big backlog each) go first.
    if (host.replayTotal > host.maxNodeReplayBytes && out.bytes > host.replayShareBytes) {
      host.released(this, new EdgeNodeReplayFull(out.bytes, host.maxNodeReplayBytes))
      return
    }
    if (this.net !== null) this.transmit(item.flags, item.msgId, item.reqId, item.body)
  }

  private transmit(flags: number, msgId: number, reqId: number, body: Uint8Array): void {
    const n = this.net!
    const enc = this.host.codecFor(this.compress).seal(msgId, reqId, flags, body, this.cipher ?? undefined)
    n.send(enc.flags, msgId, reqId, enc.body, SendPolicy.KEEP)
  }

  /**
   * Attach a (new) connection. `lastReceived` is what the client says it
   * got; false when the buffer no longer holds everything after it.
   */
  canResumeFrom(lastReceived: number): boolean {
    return lastReceived <= this.out.lastSeq && lastReceived + 1 >= this.out.firstSeq
  }

  attach(net: Session, cipher: SessionCipher | null, compress: boolean): void {
    if (this.lingerTimer !== null) this.host.timers.cancel(this.lingerTimer)
    this.lingerTimer = null
    this.net = net
    this.cipher = cipher
    this.compress = compress
    this.state = 'live'
    this.connections++
  }

  /** After HandshakeOk: send everything the client has not received, in order. */
  replayAfter(lastReceived: number): number {
    this.trim(lastReceived)
    const items = this.out.after(lastReceived)
    for (const it of items) if (this.net !== null) this.transmit(it.flags, it.msgId, it.reqId, it.body)
    this.replayed += items.length
    return items.length
  }

  /** The connection is gone: keep the backlog, forget the keys. */
  detach(): void {
    this.net = null
    this.cipher?.destroy()
    this.cipher = null
    if (this.ackTimer !== null) this.host.timers.cancel(this.ackTimer)
    this.ackTimer = null
    if (this.state === 'live') this.state = 'lingering'
  }

  /** A cumulative Ack from the client. */
  onAck(seq: number): boolean {
    return this.trim(seq)
  }

  /** Drop acknowledged messages, keeping the node-wide total in step. */
  private trim(seq: number): boolean {
    const before = this.out.bytes
    const ok = this.out.ack(seq)
    this.host.replayTotal += this.out.bytes - before
    return ok
  }

  /** Count one inbound game message; acknowledges every `ackEvery` or after `ackDelayMs`. */
  received(): void {
    this.inSeq++
    if (this.inSeq - this.ackedIn >= this.host.ackEvery) this.sendAck()
    else if (this.ackTimer === null) {
      this.ackTimer = this.host.timers.after(this.host.ackDelayMs, sendAckTick, this)
    }
  }

  sendAck(): void {
    if (this.ackTimer !== null) this.host.timers.cancel(this.ackTimer)
    this.ackTimer = null
    const n = this.net
    if (n === null || this.ackedIn === this.inSeq) return
    this.ackedIn = this.inSeq
    n.send(FrameFlag.PRIORITY, Ack.msgId, 0, Ack.encode({ seq: BigInt(this.inSeq) }))
  }

  /** Kick the current connection with a reason (Kick message, then close). */
  kickConnection(reason: TesseraError): void {
    const n = this.net
    if (n === null || !n.isOpen) return
    n.send(
      FrameFlag.PRIORITY,
      Kick.msgId,
      0,
      Kick.encode({ reason: kickReasonFor(reason.code), message: kickMessage(reason) }),
    )
    n.close(reason)
  }

  /** @internal the server released the session: drop everything. */
  dispose(): void {
    this.state = 'released'
    if (this.lingerTimer !== null) this.host.timers.cancel(this.lingerTimer)
    if (this.ackTimer !== null) this.host.timers.cancel(this.ackTimer)
    this.lingerTimer = null
    this.ackTimer = null
    this.host.replayTotal -= this.out.bytes
    this.out.clear()
    this.cipher?.destroy()
    this.cipher = null
  }
}

function sendAckTick(s: EdgeSession): void {
  s.sendAck()
}
