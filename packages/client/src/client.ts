import {
  Ack,
  Compression,
  Encryption,
  ErrorReply,
  FrameFlag,
  Goodbye,
  Handshake,
  HandshakeOk,
  Heartbeat,
  isGameMsgId,
  Kick,
  KickReason,
  type MessageType,
  ReplayBuffer,
  WireError,
} from '@tessera/protocol/client'
import { backoffDelay } from './backoff.js'
import { type ClientEvents, type ClientState, Emitter, type RequestOptions } from './client-events.js'
import { type ClientOptions, type ResolvedClientOptions, resolveClientOptions } from './client-options.js'
import { ClientErrorCode, TesseraClientError } from './errors.js'
import { decodeFrame } from './frame.js'
import { prepareHandshake } from './handshake.js'
import { Link } from './link.js'
import { checkServerSignature } from './server-auth.js'

/** How long close() waits for the server to close after Goodbye before closing itself. */
const GOODBYE_WAIT_MS = 1000

interface Pending {
  resolve(v: unknown): void
  reject(e: TesseraClientError): void
  timer: ReturnType<typeof setTimeout>
  /** The response type the caller named, checked against the header; null: any. */
  expect: MessageType | null
}

/**
 * Tessera client: one logical session over successive sockets. Every game
 * message either way carries an implicit sequence number; after a drop the
 * client reconnects with backoff, resumes with its (rotating) resume token
 * and both sides resend what the other has not received, so pushes and
 * requests are delivered once, in order.
 */
export class TesseraClient {
  readonly options: ResolvedClientOptions
  private stateValue: ClientState = 'idle'
  private link: Link | null = null
  private gen = 0
  private nextReqId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly pushHandlers = new Map<number, Set<(msg: unknown) => void>>()
  private readonly events = new Emitter<ClientEvents>()
  /** Game messages sent and not yet acknowledged, resent after a resume. */
  private readonly outbox = new ReplayBuffer()
  /** Game messages received from the server in this session (the implicit sequence). */
  private inSeq = 0
  private ackedInSeq = 0
  private ackTimer: ReturnType<typeof setTimeout> | null = null
  private sessionIdValue = ''
  private resumeToken = ''
  private attempt = 0
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private closing: Promise<void> | null = null
  private connectWaiter: { resolve(v: HandshakeOk): void; reject(e: TesseraClientError): void } | null = null

  constructor(options: ClientOptions) {
    this.options = resolveClientOptions(options)
  }

  get state(): ClientState {
    return this.stateValue
  }

  get sessionId(): string {
    return this.sessionIdValue
  }

  /** Server messages received so far in this session. */
  get receivedSeq(): number {
    return this.inSeq
  }

  /** Key epochs of the current connection (send, receive), or null without encryption. */
  get keyEpochs(): { send: number; recv: number } | null {
    const c = this.link?.cipher
    return c ? { send: c.sendEpoch, recv: c.recvEpoch } : null
  }

  on<K extends keyof ClientEvents>(event: K, fn: (ev: ClientEvents[K]) => void): () => void {
    return this.events.on(event, fn)
  }

  /** Handle pushes of one message type. Returns an unsubscribe function. */
  onPush<T>(type: MessageType<T>, fn: (msg: T) => void): () => void {
    let set = this.pushHandlers.get(type.msgId)
    if (!set) {
      set = new Set()
      this.pushHandlers.set(type.msgId, set)
    }
    set.add(fn as (msg: unknown) => void)
    return () => set.delete(fn as (msg: unknown) => void)
  }

  /** Open the first connection and handshake. Rejects with the server's refusal (typed) or CLIENT_CONNECT_FAILED. */
  connect(): Promise<HandshakeOk> {
    if (this.stateValue !== 'idle')
      return Promise.reject(
        new TesseraClientError(ClientErrorCode.BAD_ARGUMENT, `connect() in state ${this.stateValue}`),
      )
    this.stateValue = 'connecting'
    return new Promise((resolve, reject) => {
      this.connectWaiter = { resolve, reject }
      this.openLink()
    })
  }

  /** Send a request and wait for its response (or a typed error). */
  request<Req, Res = Req>(
    type: MessageType<Req>,
    message: Partial<Req>,
    opts: RequestOptions<Res> = {},
  ): Promise<Res> {
    const expect = (opts.response ?? null) as MessageType | null
    return new Promise<Res>((resolve, reject) => {
      const reqId = this.takeReqId()
      const timeoutMs = opts.timeoutMs ?? this.options.requestTimeoutMs
      const timer = setTimeout(() => {
        this.pending.delete(reqId)
        reject(
          new TesseraClientError(
            ClientErrorCode.TIMEOUT,
            `${type.name} got no response within ${timeoutMs} ms`,
          ),
        )
      }, timeoutMs)
      this.pending.set(reqId, { resolve: resolve as (v: unknown) => void, reject, timer, expect })
      try {
        this.sendGame(type, message, reqId)
      } catch (err) {
        clearTimeout(timer)
        this.pending.delete(reqId)
        reject(err)
      }
    })
  }

  /** Send a notification (no response expected). */
  notify<T>(type: MessageType<T>, message: Partial<T>): void {
    this.sendGame(type, message, 0)
  }

  /**
   * Close for good: pending requests fail with CLIENT_CLOSED and the client
   * does not reconnect. On an open connection it first tells the server
   * (Goodbye), which then releases the session at once instead of keeping it
   * for the resume grace period; resolves once the server has closed the
   * socket (at most about a second). Without an open connection the server
   * keeps the session until its grace period ends.
   */
  /** Say Goodbye and close. Every call returns the same promise: a second caller waits for the first. */
  close(reason = 'client closed'): Promise<void> {
    this.closing ??= this.closeOnce(reason)
    return this.closing
  }

  private async closeOnce(reason: string): Promise<void> {
    if (this.stateValue === 'closed') return
    const link = this.link
    if (link === null || link.phase !== 'open') return this.shutdown(null)
    // Detach the link first so shutdown() does not cut it before the Goodbye leaves.
    this.link = null
    const sent = link.farewell(Goodbye.msgId, Goodbye.encode({ reason }), GOODBYE_WAIT_MS)
    this.shutdown(null)
    await sent
  }

  // ---- sending -------------------------------------------------------------

  private takeReqId(): number {
    const id = this.nextReqId
    this.nextReqId = id >= 0xffffffff ? 1 : id + 1
    return id
  }

  private sendGame<T>(type: MessageType<T>, message: Partial<T>, reqId: number): void {
    if (this.stateValue === 'closed') throw new TesseraClientError(ClientErrorCode.CLOSED, 'client is closed')
    if (!isGameMsgId(type.msgId))
      throw new TesseraClientError(
        ClientErrorCode.BAD_ARGUMENT,
        `${type.name} is not a game message (msg id ${type.msgId})`,
      )
    const body = type.encode(type.create(message))
    if (this.outbox.bytes + body.length > this.options.maxOutboxBytes)
      throw new TesseraClientError(
        ClientErrorCode.OUTBOX_FULL,
        `more than ${this.options.maxOutboxBytes} bytes await acknowledgement`,
      )
    const e = this.outbox.push(0, type.msgId, reqId, body)
    const link = this.link
    if (link?.phase === 'open') link.write(e.flags, e.msgId, e.reqId, e.body)
  }

  private sendAck(link: Link): void {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer)
    this.ackTimer = null
    if (this.ackedInSeq === this.inSeq || link.phase !== 'open') return
    this.ackedInSeq = this.inSeq
    link.write(0, Ack.msgId, 0, Ack.encode({ seq: BigInt(this.inSeq) }))
  }

  // ---- connection lifecycle -----------------------------------------------

  private openLink(): void {
    const gen = ++this.gen
    const link = new Link(gen, this.options.maxInflatedBytes, (l, err) =>
      this.linkFailed(l, `pipeline: ${(err as Error)?.message ?? err}`),
    )
    this.link = link
    const deadline = setTimeout(() => {
      if (link.phase !== 'open' && link.alive)
        this.linkFailed(link, `handshake not done within ${this.options.connectTimeoutMs} ms`)
    }, this.options.connectTimeoutMs)
    try {
      link.sock = this.options.socket({
        onOpen: () => {
          if (link.alive)
            this.sendHandshake(link).catch((err) =>
              this.linkFailed(link, `handshake: ${(err as Error).message}`),
            )
        },
        onMessage: (bytes) => {
          if (!link.alive) return
          link.lastRecvAt = Date.now()
          const frame = decodeFrame(bytes)
          if (frame === null) return this.linkFailed(link, 'malformed frame header')
          // Copy: the adapter may reuse its buffer once we return.
          const body = frame.body.slice()
          link.receive(() => this.onFrame(link, frame.flags, frame.msgId, frame.reqId, body))
        },
        onClose: (reason) => {
          clearTimeout(deadline)
          link.socketClosed()
          // After the frames already received: opening a sealed Kick takes a
          // WebCrypto round trip, and the close that follows it must not win.
          link.receive(() => this.linkFailed(link, reason))
        },
      })
    } catch (err) {
      clearTimeout(deadline)
      queueMicrotask(() => this.linkFailed(link, `socket: ${(err as Error).message}`))
    }
  }

  private async sendHandshake(link: Link): Promise<void> {
    link.phase = 'handshake'
    const resume =
      this.resumeToken !== '' ? { resumeToken: this.resumeToken, lastReceivedSeq: this.inSeq } : null
    const { handshake, keyExchange } = await prepareHandshake(this.options, resume)
    if (!link.alive) return
    link.keyExchange = keyExchange
    link.handshakeReqId = this.takeReqId()
    link.handshakeBytes = Handshake.encode(handshake)
    link.write(0, Handshake.msgId, link.handshakeReqId, link.handshakeBytes)
  }

  private async onFrame(
    link: Link,
    flags: number,
    msgId: number,
    reqId: number,
    raw: Uint8Array,
  ): Promise<void> {
    if (link.phase === 'handshake') return this.onHandshakeReply(link, flags, msgId, reqId, raw)
    if (link.phase !== 'open') return
    const body = await link.openBody(flags, msgId, reqId, raw)
    if (!link.alive) return
    if (isGameMsgId(msgId)) {
      this.inSeq++
      if (this.inSeq - this.ackedInSeq >= this.options.ackEvery) this.sendAck(link)
      else if (this.ackTimer === null)
        this.ackTimer = setTimeout(() => this.sendAck(link), this.options.ackDelayMs)
    }
    if (flags & FrameFlag.RESPONSE) {
      if (msgId === Heartbeat.msgId) return
      const p = this.pending.get(reqId)
      if (!p) return // timed out already: the late answer is dropped (it was still counted above)
      this.pending.delete(reqId)
      clearTimeout(p.timer)
      if (flags & FrameFlag.ERROR) {
        const e = ErrorReply.decode(body)
        p.reject(TesseraClientError.fromWire(e.code, e.name, e.message))
      } else {
        // The header names the response message (e.g. ProfileGetRes for ProfileGet).
        const t = this.options.registry.get(msgId)
        if (t === undefined || (p.expect !== null && p.expect.msgId !== msgId))
          p.reject(
            new TesseraClientError(ClientErrorCode.PROTOCOL, `unexpected response message id ${msgId}`),
          )
        else p.resolve(t.decode(body))
      }
      return
    }
    switch (msgId) {
      case Ack.msgId:
        this.outbox.ack(Number(Ack.decode(body).seq))
        return
      case Heartbeat.msgId:
        link.write(
          FrameFlag.RESPONSE,
          Heartbeat.msgId,
          reqId,
          Heartbeat.encode({ timeMs: BigInt(Date.now()) }),
        )
        return
      case Kick.msgId: {
        const k = this.kicked(body)
        this.shutdown(
          new TesseraClientError(ClientErrorCode.KICKED, `kicked: ${k.message || k.reason}`, {
            details: { reason: k.reason },
          }),
        )
        return
      }
    }
    if (isGameMsgId(msgId)) this.emit('push', { msgId })
    const handlers = this.pushHandlers.get(msgId)
    if (!handlers || handlers.size === 0) return
    const type = this.options.registry.get(msgId)
    if (!type) return
    const msg = type.decode(body)
    for (const h of handlers) h(msg)
  }

  private async onHandshakeReply(
    link: Link,
    flags: number,
    msgId: number,
    reqId: number,
    body: Uint8Array,
  ): Promise<void> {
    if (reqId !== link.handshakeReqId || (flags & FrameFlag.RESPONSE) === 0) {
      if (msgId === Kick.msgId) {
        const k = this.kicked(body)
        return this.shutdown(
          new TesseraClientError(ClientErrorCode.KICKED, `kicked: ${k.message}`, {
            details: { reason: k.reason },
          }),
        )
      }
      return this.linkFailed(link, `unexpected frame (msg id ${msgId}) during the handshake`)
    }
    if (flags & FrameFlag.ERROR) {
      const e = ErrorReply.decode(body)
      return this.refused(link, TesseraClientError.fromWire(e.code, e.name, e.message))
    }
    const ok = HandshakeOk.decode(body)
    const pins = this.options.serverKeys
    if (pins.length > 0) {
      // Before any key is used: an answer not signed by a pinned key is a man in the middle.
      const why = await checkServerSignature(pins, link.handshakeBytes!, ok)
      if (why !== null) {
        link.kill()
        return this.shutdown(new TesseraClientError(ClientErrorCode.SERVER_AUTH_FAILED, why))
      }
    }
    let resumeToken = ok.resumeToken
    if (ok.encryption === Encryption.ENCRYPTION_X25519_AES_256_GCM) {
      if (!link.keyExchange) return this.linkFailed(link, 'server chose encryption the client did not offer')
      const keys = await link.keyExchange.agree(ok.keyPublic, ok.nonce, ok.keyRotateMs)
      link.cipher = keys.cipher
      if (ok.sealAll) {
        link.sealAll = true
        try {
          resumeToken = await keys.openResumeToken(ok.resumeTokenSealed)
          // connect() resolves with the answer as the app knows it: the token in clear.
          ok.resumeToken = resumeToken
        } catch {
          return this.linkFailed(link, 'the sealed resume token did not open')
        }
      }
    } else if (this.options.encryption === true) {
      return this.refused(
        link,
        new TesseraClientError('WIRE_NEGOTIATION_FAILED', 'server did not agree to encryption', {
          wireCode: WireError.WIRE_NEGOTIATION_FAILED,
        }),
      )
    }
    if (!link.alive) return
    link.keyExchange = null
    link.compress = ok.compression === Compression.COMPRESSION_DEFLATE_RAW
    link.compressThreshold = ok.compressThreshold
    const resumed = ok.resumed && this.resumeToken !== ''
    if (!resumed && this.resumeToken !== '')
      this.loseSession('server started a new session instead of resuming')
    this.sessionIdValue = ok.sessionId
    this.resumeToken = resumeToken
    this.attempt = 0
    link.phase = 'open'
    this.stateValue = 'open'
    // Everything the server did not get, in order (the implicit sequence continues).
    const last = Number(ok.lastReceivedSeq)
    this.outbox.ack(last)
    for (const e of this.outbox.after(last)) link.write(e.flags, e.msgId, e.reqId, e.body)
    this.startHeartbeat(link, ok)
    const w = this.connectWaiter
    this.connectWaiter = null
    w?.resolve(ok)
    this.emit('open', { sessionId: ok.sessionId, resumed })
  }

  private startHeartbeat(link: Link, ok: HandshakeOk): void {
    const every = ok.heartbeatMs > 0 ? ok.heartbeatMs : 15_000
    const idle = ok.idleTimeoutMs > 0 ? ok.idleTimeoutMs : every * 3
    link.heartbeatTimer = setInterval(
      () => {
        if (Date.now() - link.lastRecvAt >= idle)
          return this.linkFailed(link, `nothing received for ${idle} ms`)
        link.write(0, Heartbeat.msgId, this.takeReqId(), Heartbeat.encode({ timeMs: BigInt(Date.now()) }))
      },
      Math.max(50, Math.min(every, idle / 3)),
    )
  }

  /** The server refused the handshake. Resume refusals start a fresh session; the rest are final. */
  private refused(link: Link, err: TesseraClientError): void {
    link.kill()
    if (err.code === 'WIRE_RESUME_REFUSED' && this.resumeToken !== '') {
      this.loseSession(err.message)
      if (this.stateValue !== 'closed') this.openLink()
      return
    }
    this.shutdown(err)
  }

  private loseSession(why: string): void {
    const err = new TesseraClientError(ClientErrorCode.SESSION_LOST, `session lost: ${why}`)
    this.resumeToken = ''
    this.sessionIdValue = ''
    this.inSeq = 0
    this.ackedInSeq = 0
    this.outbox.reset()
    this.rejectPending(err)
    this.emit('sessionLost', { error: err })
  }

  /** A socket ended or misbehaved: reconnect (and resume) unless that is not possible. */
  private linkFailed(link: Link, reason: string): void {
    if (!link.alive) return
    link.kill()
    if (this.link !== link || this.stateValue === 'closed') return
    this.link = null
    if (this.ackTimer !== null) clearTimeout(this.ackTimer)
    this.ackTimer = null
    const r = this.options.reconnect
    const everOpen =
      this.resumeToken !== '' || this.stateValue === 'open' || this.stateValue === 'reconnecting'
    if (!everOpen || !r.enabled) {
      this.shutdown(new TesseraClientError(ClientErrorCode.CONNECT_FAILED, reason))
      return
    }
    if (this.stateValue === 'open') this.emit('disconnect', { reason })
    this.stateValue = 'reconnecting'
    if (this.attempt >= r.maxAttempts) {
      this.shutdown(
        new TesseraClientError(
          ClientErrorCode.RECONNECT_FAILED,
          `gave up after ${this.attempt} attempts: ${reason}`,
        ),
      )
      return
    }
    const delay = backoffDelay(r, this.attempt++)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      if (this.stateValue === 'reconnecting') this.openLink()
    }, delay)
  }

  private rejectPending(err: TesseraClientError): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.pending.clear()
  }

  private shutdown(err: TesseraClientError | null): void {
    if (this.stateValue === 'closed') return
    this.stateValue = 'closed'
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer)
    if (this.ackTimer !== null) clearTimeout(this.ackTimer)
    this.reconnectTimer = null
    this.ackTimer = null
    const link = this.link
    this.link = null
    link?.kill()
    const closeErr = err ?? new TesseraClientError(ClientErrorCode.CLOSED, 'client closed')
    this.rejectPending(closeErr)
    const w = this.connectWaiter
    this.connectWaiter = null
    w?.reject(closeErr)
    this.emit('close', { error: err })
  }

  /** Decode a Kick and tell the app (before the close that follows). */
  private kicked(body: Uint8Array): Kick {
    const k = Kick.decode(body)
    this.emit('kicked', {
      reason: k.reason,
      message: k.message,
      replaced: k.reason === KickReason.KICK_REPLACED,
    })
    return k
  }

  private emit<K extends keyof ClientEvents>(event: K, ev: ClientEvents[K]): void {
    this.events.emit(event, ev)
  }
}
