import {
  Ack,
  Compression,
  Encryption,
  ErrorReply,
  FrameFlag,
  Goodbye,
  Handshake,
  HandshakeOk,
  isGameMsgId,
  type MessageType,
  type Version as WireVersion,
} from '@tessera/wire'
import {
  CodecDecryptFailed,
  CodecNoCipher,
  CodecPlaintextRefused,
  CodecReplay,
  handshakeDigest,
  loadSigningKey,
  MessageCodec,
  type SigningKey,
} from '../codec/index.js'
import { type TesseraError, toTesseraError } from '../errors/index.js'
import { newToken, Version, VersionStage } from '../id/index.js'
import {
  type Frame,
  type InboundFrame,
  type NetLogger,
  NetRateLimited,
  NetServerClosing,
  type Session,
  type SessionHandler,
  silentLogger,
} from '../net/index.js'
import { type Clock, systemClock } from '../timer/clock.js'
import { type Scheduler, systemTimers } from '../timer/scheduler.js'
import { EdgeHandlers } from './edge-handlers.js'
import type { EdgeHandlerFn, EdgeOptions } from './edge-options.js'
import { EdgeSession, type EdgeSessionHost } from './edge-session.js'
import {
  EdgeBadOptions,
  EdgeClientGoodbye,
  EdgeGraceExpired,
  EdgeHandshakeRequired,
  EdgeProtocolViolation,
  EdgeResumeRefused,
  EdgeSessionReleased,
} from './errors.js'
import {
  checkClient,
  type EncryptionMode,
  encryptionFor,
  finishHandshakeOk,
  negotiate,
  serverKeys,
  startSealing,
  verifyLogin,
} from './handshake-checks.js'
import { toVersion, versionToWire } from './version-check.js'
import { toErrorReply } from './wire-codes.js'

/** Per-connection state kept in `Session.data`. */
interface Conn {
  phase: 'handshake' | 'verifying' | 'open'
  edge: EdgeSession | null
}

const ANY_VERSION = new Version(0, 0, 0, VersionStage.Alpha)

/**
 * The server side of client connections: the handshake (version, schema
 * hash, token, compression and encryption), heartbeats (the net session
 * answers them), sequenced game messages with acknowledgements, and resume
 * after a drop. Plug it into a NetServer as its handler (with
 * {@link edgeControlCodec} as the control codec).
 */
export class EdgeServer implements SessionHandler, EdgeSessionHost {
  readonly ackEvery: number
  readonly ackDelayMs: number
  readonly maxReplayBytes: number
  readonly maxNodeReplayBytes: number
  readonly replayShareBytes: number
  replayTotal = 0
  readonly resumeGraceMs: number
  readonly timers: Scheduler
  private readonly opts: EdgeOptions
  private readonly logger: NetLogger
  private readonly clock: Clock
  private readonly codecs: [MessageCodec, MessageCodec]
  private readonly handlers: EdgeHandlers
  private readonly byToken = new Map<string, EdgeSession>()
  private readonly sessions = new Map<string, EdgeSession>()
  private readonly schemaHash: string
  private readonly encryption: EncryptionMode
  private readonly keyRotateMs: number
  private readonly minVersion: Version
  private readonly serverVersion: WireVersion | undefined
  private readonly signingKey: SigningKey | undefined

  constructor(opts: EdgeOptions) {
    this.opts = opts
    this.logger = opts.logger ?? silentLogger
    this.clock = opts.clock ?? systemClock
    this.timers = opts.timers ?? systemTimers()
    this.ackEvery = opts.ackEvery ?? 16
    this.ackDelayMs = opts.ackDelayMs ?? 100
    this.maxReplayBytes = opts.maxReplayBytes ?? 1024 * 1024
    this.maxNodeReplayBytes = opts.maxNodeReplayBytes ?? 256 * 1024 * 1024
    this.replayShareBytes = opts.replayShareBytes ?? 64 * 1024
    this.resumeGraceMs = opts.resumeGraceMs ?? 30_000
    this.encryption = opts.encryption ?? 'optional'
    this.keyRotateMs = opts.keyRotateMs ?? 10 * 60_000
    const handlerTimeoutMs = opts.handlerTimeoutMs ?? 10_000
    if (!(handlerTimeoutMs >= 0)) throw new EdgeBadOptions(`handlerTimeoutMs ${handlerTimeoutMs} < 0`)
    this.handlers = new EdgeHandlers(this.logger, opts.maxInflight ?? 64, handlerTimeoutMs, this.timers)
    if (!/^[0-9a-f]{64}$/.test(opts.schemaHash))
      throw new EdgeBadOptions(`schemaHash ${opts.schemaHash} is not 64 hex digits`)
    if (this.keyRotateMs < 1000) throw new EdgeBadOptions(`keyRotateMs ${this.keyRotateMs} < 1000`)
    this.schemaHash = opts.schemaHash
    this.signingKey = opts.signingKey === undefined ? undefined : loadSigningKey(opts.signingKey)
    this.minVersion = toVersion(opts.minClientVersion, ANY_VERSION)
    this.serverVersion =
      opts.serverVersion === undefined ? undefined : versionToWire(toVersion(opts.serverVersion, ANY_VERSION))
    const plain = new MessageCodec({ registry: opts.registry, compression: false, refuseServerOnly: true })
    const packed =
      opts.compression === false
        ? plain
        : new MessageCodec({
            registry: opts.registry,
            compression: opts.compression ?? {},
            refuseServerOnly: true,
          })
    this.codecs = [plain, packed]
  }

  /** Register the handler of a game message; `response` defaults to the request's own type. */
  route<Req, Res = Req>(
    type: MessageType<Req>,
    fn: EdgeHandlerFn<Req, Res>,
    response?: MessageType<Res>,
  ): this {
    this.handlers.route(type, fn, response)
    return this
  }

  /** Live and lingering sessions. */
  get size(): number {
    return this.sessions.size
  }

  session(id: string): EdgeSession | undefined {
    return this.sessions.get(id)
  }

  list(): EdgeSession[] {
    return [...this.sessions.values()]
  }

  codecFor(compress: boolean): MessageCodec {
    return this.codecs[compress ? 1 : 0]
  }

  warn(obj: object, msg: string): void {
    this.logger.warn(obj, msg)
  }

  // ---- SessionHandler --------------------------------------------------------

  onOpen(net: Session): void {
    net.data = { phase: 'handshake', edge: null } satisfies Conn
  }

  onMessage(net: Session, frame: Frame): void {
    const conn = net.data as Conn
    if (conn.phase === 'open') {
      if (conn.edge !== null) this.onGameFrame(net, conn.edge, frame)
      return
    }
    if (conn.phase === 'verifying') {
      // docs/protocol.md §8.1: nothing but the Handshake until its answer.
      this.refuse(
        net,
        frame,
        new EdgeHandshakeRequired(
          `frame (msg id ${frame.msgId}) sent before HandshakeOk; wait for the Handshake answer`,
        ),
      )
      return
    }
    if (frame.msgId !== Handshake.msgId || frame.reqId === 0 || frame.flags & FrameFlag.RESPONSE) {
      this.refuse(
        net,
        frame,
        new EdgeHandshakeRequired(`first frame must be a Handshake request (got msg id ${frame.msgId})`),
      )
      return
    }
    conn.phase = 'verifying'
    // Hashed now: the signature covers these exact bytes, and the read buffer is reused.
    const digest = handshakeDigest(frame.body)
    let hs: Handshake
    try {
      if (frame.flags & (FrameFlag.COMPRESSED | FrameFlag.ENCRYPTED))
        throw new Error('Handshake must be sent in clear')
      hs = Handshake.decode(frame.body)
    } catch (err) {
      this.refuse(
        net,
        frame,
        EdgeHandshakeRequired.with({ cause: err }, `bad Handshake body: ${(err as Error).message}`),
      )
      return
    }
    const reqId = frame.reqId
    this.handshake(net, conn, hs, reqId, digest).catch((err) =>
      this.refuse(net, { msgId: Handshake.msgId, reqId }, toTesseraError(err)),
    )
  }

  /** A frame failed the seal of a seal_all session: tampering on the path; the session ends (KICK_PROTOCOL). */
  onBadFrame(net: Session, frame: InboundFrame, err: TesseraError): void {
    const s = (net.data as Conn | undefined)?.edge
    if (s && s.net === net) this.violation(s, `msg id ${frame.msgId}: ${err.message}`)
    else net.abort(err)
  }

  onClose(net: Session, reason: TesseraError): void {
    const conn = net.data as Conn | undefined
    const s = conn?.edge
    if (!s || s.net !== net) return
    s.detach()
    if (s.state !== 'lingering') return
    if (noResume(reason)) {
      // Kicked for flooding: a resume must not start it over with a fresh budget.
      this.released(s, reason)
      return
    }
    this.logger.debug(
      { session: s.id, reason: reason.code, graceMs: this.resumeGraceMs },
      'edge session lingering',
    )
    s.lingerTimer = this.timers.after(this.resumeGraceMs, () =>
      this.released(s, new EdgeGraceExpired(this.resumeGraceMs)),
    )
  }

  // ---- handshake -----------------------------------------------------------

  private async handshake(
    net: Session,
    conn: Conn,
    hs: Handshake,
    reqId: number,
    digest: Uint8Array,
  ): Promise<void> {
    checkClient(hs, this.minVersion, this.schemaHash)
    const mode = encryptionFor(net.conn.stack, this.encryption, this.opts.encryptionByStack)
    const { compress, encrypt } = negotiate(hs, this.opts.compression !== false, mode)
    const userId = await verifyLogin(hs, this.opts.verifyToken)
    // Keys before any session state changes, so a bad key refuses cleanly.
    const keys = serverKeys(hs, encrypt, {
      rotateMs: this.keyRotateMs,
      clock: this.clock,
      ...(this.opts.maxFramesPerEpoch ? { maxFramesPerEpoch: this.opts.maxFramesPerEpoch } : {}),
    })
    if (!net.isOpen) return

    let s: EdgeSession
    let lastReceived = 0
    if (hs.resume !== undefined) {
      const old = this.byToken.get(hs.resume.resumeToken)
      lastReceived = Number(hs.resume.lastReceivedSeq)
      if (old === undefined || old.state === 'released')
        throw new EdgeResumeRefused('unknown or expired resume token')
      if (userId !== null && String(userId) !== String(old.userId))
        throw new EdgeResumeRefused('token belongs to another user')
      if (!old.canResumeFrom(lastReceived)) {
        this.released(old, new EdgeResumeRefused(`messages after ${lastReceived} are no longer held`))
        throw new EdgeResumeRefused(`messages after ${lastReceived} are no longer held`)
      }
      s = old
      this.byToken.delete(s.resumeToken)
      const prev = s.net
      if (prev !== null) {
        // The old socket may not have noticed it is dead yet: cut it first so
        // nothing more is read from or written to it.
        s.detach()
        ;(prev.data as Conn).edge = null
        prev.abort(new EdgeResumeRefused('replaced by a resumed connection'))
      }
      s.resumeToken = newToken(32)
    } else {
      s = new EdgeSession(this, newToken(16), userId!, newToken(32))
      this.sessions.set(s.id, s)
    }
    this.byToken.set(s.resumeToken, s)

    const resumed = hs.resume !== undefined
    // With seal_all the net session seals every frame; the codec then seals nothing itself.
    s.attach(net, keys.sealAll ? null : keys.cipher, compress)
    conn.edge = s
    conn.phase = 'open'
    net.markAuthenticated()
    // The message budget is the user's: a reconnect or resume continues it.
    net.shareRateBudget(`user:${String(s.userId)}`)
    const ok: HandshakeOk = {
      sessionId: s.id,
      resumeToken: s.resumeToken,
      resumed,
      lastReceivedSeq: BigInt(s.inSeq),
      compression: compress ? Compression.COMPRESSION_DEFLATE_RAW : Compression.COMPRESSION_NONE,
      compressThreshold: compress ? this.codecs[1].compression.threshold : 0,
      encryption: encrypt ? Encryption.ENCRYPTION_X25519_AES_256_GCM : Encryption.ENCRYPTION_NONE,
      keyPublic: keys.keyPublic,
      nonce: keys.nonce,
      keyRotateMs: encrypt ? this.keyRotateMs : 0,
      heartbeatMs: this.opts.heartbeatMs ?? net.limits.heartbeatIntervalMs,
      idleTimeoutMs: this.opts.idleTimeoutMs ?? net.limits.idleTimeoutMs,
      maxFrameBytes: net.limits.maxFrameBytes,
      serverTimeMs: BigInt(this.clock.now()),
      serverVersion: this.serverVersion,
      sealAll: false,
      signature: new Uint8Array(0),
      signingKeyId: new Uint8Array(0),
      resumeTokenSealed: new Uint8Array(0),
    }
    finishHandshakeOk(ok, keys, digest, this.signingKey)
    net.send(FrameFlag.RESPONSE, HandshakeOk.msgId, reqId, HandshakeOk.encode(ok))
    startSealing(net, keys)
    if (resumed) {
      const n = s.replayAfter(lastReceived)
      this.logger.debug({ session: s.id, replayed: n, lastReceived }, 'edge session resumed')
    } else this.opts.onSessionStart?.(s)
  }

  /** Answer a failed handshake with an ErrorReply and close the connection. */
  private refuse(net: Session, req: { msgId: number; reqId: number }, err: TesseraError): void {
    this.logger.info(
      { session: net.id, ip: net.remoteIp, code: err.code, message: err.message },
      'handshake refused',
    )
    if (!net.isOpen) return
    net.send(
      FrameFlag.RESPONSE | FrameFlag.ERROR | FrameFlag.PRIORITY,
      req.msgId,
      req.reqId,
      ErrorReply.encode(toErrorReply(err)),
    )
    net.close(err)
  }

  // ---- game traffic ----------------------------------------------------------

  private onGameFrame(net: Session, s: EdgeSession, frame: Frame): void {
    if (s.net !== net) return
    const id = frame.msgId
    if (!isGameMsgId(id)) {
      if (id === Ack.msgId) {
        let seq: number
        try {
          seq = Number(Ack.decode(frame.body).seq)
        } catch (err) {
          this.violation(s, `bad Ack body: ${(err as Error).message}`)
          return
        }
        if (!s.onAck(seq)) this.violation(s, `Ack of ${seq}, a message never sent`)
      } else if (id === Goodbye.msgId) this.goodbye(net, s, frame.body)
      else if (id === Handshake.msgId) this.violation(s, 'second Handshake on a session')
      return
    }
    // Counted on arrival, whatever happens next: the client numbers it the same way.
    s.received()
    const isRequest = frame.reqId !== 0
    let bytes: Uint8Array
    try {
      bytes = this.codecFor(s.compress).open(frame.flags, id, frame.reqId, frame.body, s.cipher ?? undefined)
    } catch (err) {
      const e = toTesseraError(err)
      // Tampering or a broken cipher state ends the session; a bad body only fails its request.
      if (
        CodecDecryptFailed.is(e) ||
        CodecReplay.is(e) ||
        CodecPlaintextRefused.is(e) ||
        CodecNoCipher.is(e)
      ) {
        this.violation(s, e.message)
        return
      }
      if (isRequest)
        s.enqueue(FrameFlag.RESPONSE | FrameFlag.ERROR, id, frame.reqId, ErrorReply.encode(toErrorReply(e)))
      return
    }
    this.handlers.handle(s, id, frame.reqId, bytes)
  }

  /**
   * The client is leaving for good: release the session now rather than
   * letting it linger for the grace period nobody will use. No Kick: the
   * connection is just closed once what is already queued is flushed.
   */
  private goodbye(net: Session, s: EdgeSession, body: Uint8Array): void {
    let why: string
    try {
      why = Goodbye.decode(body).reason
    } catch (err) {
      this.violation(s, `bad Goodbye body: ${(err as Error).message}`)
      return
    }
    // Clipped: the text is the client's and only goes to the log.
    // An ordinary end: logged at debug (levels say what an operator must act on).
    const reason = EdgeClientGoodbye.with(
      { details: { ordinary: true } },
      why.length > 200 ? `${why.slice(0, 200)}…` : why || 'no reason given',
    )
    ;(net.data as Conn).edge = null
    s.detach()
    net.close(reason)
    this.released(s, reason)
  }

  private violation(s: EdgeSession, what: string): void {
    const err = new EdgeProtocolViolation(what)
    this.logger.warn({ session: s.id, message: what }, 'protocol violation; session released')
    this.released(s, err)
  }

  // ---- release ---------------------------------------------------------------

  /** Release a session for good: its resume token stops working. Idempotent. */
  released(s: EdgeSession, reason: TesseraError): void {
    if (s.state === 'released') return
    const net = s.net
    if (net !== null) {
      ;(net.data as Conn).edge = null
      s.kickConnection(reason)
      s.detach()
    }
    s.dispose()
    this.byToken.delete(s.resumeToken)
    this.sessions.delete(s.id)
    const quiet = reason.code === EdgeSessionReleased.code
    // An ordinary end (a Goodbye) is debug: nothing for an operator to act on.
    if (!quiet)
      this.logger[reason.details?.ordinary === true ? 'debug' : 'info'](
        { session: s.id, reason: reason.code, message: reason.message },
        'edge session released',
      )
    this.opts.onSessionEnd?.(s, reason)
  }

  /** Release one session now (logout, kick). */
  release(s: EdgeSession, reason: TesseraError = new EdgeSessionReleased(s.id)): void {
    this.released(s, reason)
  }

  /** Release every session (shutdown): connected clients get Kick(KICK_SHUTDOWN). */
  close(): void {
    for (const s of [...this.sessions.values()]) this.released(s, new NetServerClosing())
  }
}

/** Close reasons after which a session is released rather than left to resume. */
function noResume(reason: TesseraError): boolean {
  return NetRateLimited.is(reason)
}
