import {
  CENTER_CHANNEL_ID,
  checkClient,
  EdgeBadToken,
  EdgeClientGoodbye,
  EdgeHandshakeRequired,
  EdgeOverloaded,
  EdgeProtocolViolation,
  EdgeResumeRefused,
  type EncryptionMode,
  encryptionFor,
  type Frame,
  FrameFlag,
  finishHandshakeOk,
  handshakeDigest,
  type InboundFrame,
  type Link,
  type Logger,
  type MemoryGuard,
  MessageCodec,
  type NetServer,
  negotiate,
  ourDecision,
  type ServiceProxy,
  type Session,
  type SessionHandler,
  type ShardMap,
  type SigningKey,
  serverKeys,
  startSealing,
  type TesseraError,
  toErrorReply,
  toTesseraError,
  Version,
  VersionStage,
} from '@tessera/kernel'
import {
  Ack,
  ClientAck,
  ClientFrames,
  ClientGone,
  Compression,
  clusterWire,
  createRegistry,
  Encryption,
  ErrorReply,
  Goodbye,
  Handshake,
  HandshakeOk,
  Kick,
  KickReason,
  type MessageType,
  MsgId,
  SCHEMA_HASH,
  SessionBind,
  SessionBindOk,
  SessionResumeCheck,
  SessionResumeCheckOk,
  type ToClient,
  WireError,
} from '@tessera/protocol'
import type { TokenRedeemer } from '../auth/token-redeemer.js'
import { GatewayLogicLost, GatewayReplaced, GatewaySessionEnded, GatewayShardMoving } from '../errors.js'
import { forwardedFrame, type GatewayConn, newConn, writeToClient } from './gateway-conn.js'
import { parseResumeToken } from './resume-token.js'

/** Header byte 1 of a forwarded frame whose body did not open (logic answers WIRE_BAD_BODY). */
export const MARK_BAD_BODY = 0xbb
/** ... or whose message id the gateway does not know (WIRE_UNKNOWN_MESSAGE). */
export const MARK_UNKNOWN = 0xbc

export interface GatewayEdgeOptions {
  serviceId: number
  proxy: ServiceProxy
  shards: ShardMap
  redeemer: TokenRedeemer
  logger: Logger
  encryption: EncryptionMode
  /** Per stack: overrides `encryption` on that stack's ports. */
  encryptionByStack?: Partial<Record<string, EncryptionMode>> | undefined
  compression: boolean
  keyRotateMs: number
  /** Signs every handshake (clients pin its public key); none: unsigned. */
  signingKey?: SigningKey | undefined
  minClientVersion?: string | undefined
  /** Per cluster request of a handshake (redeem, claim, bind). */
  requestTimeoutMs: number
  /** Longest a bind or resume waits for the player's shard to finish moving. */
  shardHoldMs: number
  /** While over, new sessions are refused with EDGE_OVERLOADED (WIRE_OVERLOADED); resumes go on. */
  memoryGuard?: Pick<MemoryGuard, 'holdBack'> | undefined
  /** A session is bound here (new or resumed). */
  onOnline?(c: GatewayConn): void
  /** A session ended here for good (Goodbye, kick, replaced); drops are not reported. */
  onOffline?(c: GatewayConn): void
}

const ANY_VERSION = new Version(0, 0, 0, VersionStage.Alpha)

/**
 * The gateway's handler of client connections. It runs the handshake
 * (version, schema, negotiation, keys), redeems the hand-off token at login,
 * claims `player:<uid>` at the center and binds the connection to the
 * player's logic; after that it opens client frames (decrypt, inflate) and
 * forwards them with their header to logic, and seals what logic sends back.
 * Sequencing, acknowledgements and resume state live on logic.
 */
export class GatewayEdge implements SessionHandler {
  readonly net: NetServer
  private readonly o: GatewayEdgeOptions
  private readonly codecs: [MessageCodec, MessageCodec]
  private readonly minVersion: Version
  /** Open or binding connections by user. */
  private readonly byUser = new Map<bigint, Set<Session>>()
  private readonly flushQueue = new Set<Session>()
  private flushScheduled = false

  constructor(o: GatewayEdgeOptions, net: (handler: SessionHandler) => NetServer) {
    this.o = o
    const registry = createRegistry()
    const plain = new MessageCodec({ registry, compression: false, refuseServerOnly: true })
    this.codecs = [plain, o.compression ? new MessageCodec({ registry, refuseServerOnly: true }) : plain]
    this.minVersion = o.minClientVersion ? Version.parse(o.minClientVersion) : ANY_VERSION
    this.net = net(this)
    const p = o.proxy
    p.on(clusterWire.ownershipRevoked, (m) => this.onRevoked(m.key, m.epoch))
    p.addLinkDownListener((link) => this.onLinkDown(link))
  }

  /** Connections open (handshaken) or binding. */
  get size(): number {
    let n = 0
    for (const set of this.byUser.values()) n += set.size
    return n
  }

  // ---- SessionHandler --------------------------------------------------------

  onOpen(net: Session): void {
    net.data = newConn()
  }

  onMessage(net: Session, frame: Frame): void {
    const c = net.data as GatewayConn
    if (c.phase === 'open') {
      this.onOpenFrame(net, c, frame)
      return
    }
    if (c.phase === 'closed') return
    if (c.phase === 'binding') {
      // docs/protocol.md §8.1: nothing but the Handshake until its answer.
      this.refuse(
        net,
        frame.msgId,
        frame.reqId,
        new EdgeHandshakeRequired(
          `frame (msg id ${frame.msgId}) sent before HandshakeOk; wait for the Handshake answer`,
        ),
      )
      return
    }
    if (
      frame.msgId !== MsgId.Handshake ||
      frame.reqId === 0 ||
      frame.flags & (FrameFlag.RESPONSE | FrameFlag.COMPRESSED | FrameFlag.ENCRYPTED)
    ) {
      this.refuse(
        net,
        frame.msgId,
        frame.reqId,
        new EdgeHandshakeRequired(
          `first frame must be a Handshake request in clear (got msg id ${frame.msgId})`,
        ),
      )
      return
    }
    let hs: Handshake
    try {
      hs = Handshake.decode(frame.body)
    } catch (err) {
      this.refuse(
        net,
        frame.msgId,
        frame.reqId,
        EdgeHandshakeRequired.with({ cause: err }, `bad Handshake body: ${(err as Error).message}`),
      )
      return
    }
    c.phase = 'binding'
    const reqId = frame.reqId
    // Hashed now: the signature covers these exact bytes, and the read buffer is reused.
    const digest = handshakeDigest(frame.body)
    this.handshake(net, c, hs, reqId, digest).catch((err) =>
      this.refuse(net, MsgId.Handshake, reqId, toTesseraError(err)),
    )
  }

  /** A frame failed the seal of a seal_all connection: tampering on the path; the session ends (KICK_PROTOCOL). */
  onBadFrame(net: Session, frame: InboundFrame, err: TesseraError): void {
    const c = net.data as GatewayConn
    if (c.phase === 'open') this.violation(net, c, `msg id ${frame.msgId}: ${err.message}`)
    else net.abort(err)
  }

  onClose(net: Session, reason: TesseraError): void {
    const c = net.data as GatewayConn | undefined
    if (c === undefined) return
    const was = c.phase
    c.phase = 'closed'
    this.forget(net, c)
    if (was === 'open') {
      this.flushFrames(net, c)
      // A drop: the session lingers on logic for the resume grace period;
      // one kicked for flooding is released (no resume into a fresh budget).
      const release = reason.code === 'NET_RATE_LIMITED'
      this.notifyLogic(c, ClientGone, { ...this.route(net, c), release, reason: reason.code })
      if (release) {
        this.o.onOffline?.(c)
        this.release(c)
      }
    }
  }

  // ---- handshake -------------------------------------------------------------

  private async handshake(
    net: Session,
    c: GatewayConn,
    hs: Handshake,
    reqId: number,
    digest: Uint8Array,
  ): Promise<void> {
    const o = this.o
    checkClient(hs, this.minVersion, SCHEMA_HASH)
    const mode = encryptionFor(net.conn.stack, o.encryption, o.encryptionByStack)
    const { compress, encrypt } = negotiate(hs, o.compression, mode)
    let userId: bigint
    let nickname: string
    let loginEpoch: bigint
    const timeoutMs = o.requestTimeoutMs
    if (hs.resume !== undefined) {
      // The resume token names the user; its logic checks it before anything
      // changes, so a forged token never displaces the player's session.
      const uid = parseResumeToken(hs.resume.resumeToken)
      if (uid === null) throw new EdgeResumeRefused('malformed resume token')
      const check = { resumeToken: hs.resume.resumeToken, lastReceivedSeq: hs.resume.lastReceivedSeq }
      const ok = await this.atOwner(uid, (logic) =>
        o.proxy.request(logic, SessionResumeCheck, check, SessionResumeCheckOk, { timeoutMs }),
      )
      userId = ok.userId
      nickname = ok.nickname
      loginEpoch = ok.loginEpoch
    } else {
      // Only new sessions are held back: a resume continues a session the
      // cluster already holds (refusing it would drop a playing player), and
      // the hand-off token stays unredeemed for a later try.
      if (o.memoryGuard?.holdBack()) throw new EdgeOverloaded('this gateway')
      if (hs.token === '') throw new EdgeBadToken('missing')
      const r = await o.redeemer.redeem(hs.token, o.serviceId)
      userId = r.userId
      nickname = r.nickname
      loginEpoch = r.loginEpoch
    }
    const keys = serverKeys(hs, encrypt, { rotateMs: o.keyRotateMs })
    if (!net.isOpen) return
    c.userId = userId
    c.loginEpoch = loginEpoch
    c.logicId = o.shards.logicOf(userId)
    this.remember(net, c)
    // Claim, then bind at the owner by the shard table. After a refusal by
    // a logic that gave the shard away, claim again (the move raised the
    // player's epoch) and bind at the new owner.
    const bound = await this.atOwner(userId, async (logic) => {
      const claim = await o.proxy.request(
        CENTER_CHANNEL_ID,
        clusterWire.ownershipClaim,
        { key: `player:${userId}`, ownerServiceId: o.serviceId },
        clusterWire.ownershipClaimOk,
        { timeoutMs },
      )
      c.epoch = claim.epoch
      c.logicId = logic
      const bind: SessionBind = {
        userId,
        epoch: claim.epoch,
        gatewayServiceId: o.serviceId,
        connId: net.id,
        nickname,
        resume: hs.resume,
        loginEpoch,
      }
      return o.proxy.request(logic, SessionBind, bind, SessionBindOk, { timeoutMs })
    })
    c.sessionId = bound.sessionId
    if (!net.isOpen || c.phase !== 'binding') {
      keys.cipher?.destroy()
      this.notifyLogic(c, ClientGone, {
        ...this.route(net, c),
        release: false,
        reason: 'closed during the handshake',
      })
      return
    }
    // With seal_all the net session seals every frame; the codec then seals nothing itself.
    c.cipher = keys.sealAll ? null : keys.cipher
    c.compress = compress
    c.phase = 'open'
    net.markAuthenticated()
    // The message budget is the user's: a reconnect or resume continues it.
    net.shareRateBudget(`user:${userId}`)
    const ok: HandshakeOk = {
      sessionId: bound.sessionId,
      resumeToken: bound.resumeToken,
      resumed: bound.resumed,
      lastReceivedSeq: bound.lastReceivedSeq,
      compression: compress ? Compression.COMPRESSION_DEFLATE_RAW : Compression.COMPRESSION_NONE,
      compressThreshold: compress ? this.codecs[1].compression.threshold : 0,
      encryption: encrypt ? Encryption.ENCRYPTION_X25519_AES_256_GCM : Encryption.ENCRYPTION_NONE,
      keyPublic: keys.keyPublic,
      nonce: keys.nonce,
      keyRotateMs: encrypt ? o.keyRotateMs : 0,
      heartbeatMs: net.limits.heartbeatIntervalMs,
      idleTimeoutMs: net.limits.idleTimeoutMs,
      maxFrameBytes: net.limits.maxFrameBytes,
      serverTimeMs: BigInt(Date.now()),
      serverVersion: undefined,
      sealAll: false,
      signature: new Uint8Array(0),
      signingKeyId: new Uint8Array(0),
      resumeTokenSealed: new Uint8Array(0),
    }
    finishHandshakeOk(ok, keys, digest, o.signingKey)
    net.send(FrameFlag.RESPONSE, MsgId.HandshakeOk, reqId, HandshakeOk.encode(ok))
    startSealing(net, keys)
    for (const f of bound.replay)
      writeToClient(
        net,
        c,
        { connIds: [], flags: f.flags, msgId: f.msgId, reqId: f.reqId, body: f.body, close: false },
        this.codecs,
      )
    const early = c.early
    c.early = []
    for (const m of early) this.deliver(net, c, m)
    o.onOnline?.(c)
    o.logger.debug(
      {
        userId: String(userId),
        session: bound.sessionId,
        resumed: bound.resumed,
        epoch: String(c.epoch),
      },
      'client bound',
    )
  }

  /**
   * Send to the logic that holds the player by the shard table, after its
   * shard finished moving. A logic that gave the shard away refuses
   * (LOGIC_SHARD_MOVED) before this gateway's table says so: wait for the
   * next table and go to the new owner (a few times at most).
   */
  private async atOwner<R>(userId: bigint, send: (logic: number) => Promise<R>): Promise<R> {
    const o = this.o
    for (let attempt = 0; ; attempt++) {
      if (!(await o.shards.whenServing(userId, o.shardHoldMs)))
        throw new GatewayShardMoving(String(userId), o.shardHoldMs)
      const version = o.shards.version
      try {
        return await send(o.shards.logicOf(userId))
      } catch (err) {
        if (attempt >= 3 || toTesseraError(err).code !== 'LOGIC_SHARD_MOVED') throw err
        await o.shards.whenNewer(version, o.shardHoldMs)
      }
    }
  }

  /** Answer a failed handshake with an ErrorReply and close the connection. */
  private refuse(net: Session, msgId: number, reqId: number, err: TesseraError): void {
    const c = net.data as GatewayConn
    this.o.logger.info(
      { conn: net.id, ip: net.remoteIp, code: err.code, message: err.message },
      'handshake refused',
    )
    c.phase = 'closed'
    this.forget(net, c)
    if (!net.isOpen) return
    const r = unavailable(err.code)
      ? {
          code: WireError.WIRE_UNAVAILABLE,
          name: 'WIRE_UNAVAILABLE',
          message: 'a service is unavailable; retry',
        }
      : toErrorReply(err)
    net.send(
      FrameFlag.RESPONSE | FrameFlag.ERROR | FrameFlag.PRIORITY,
      msgId,
      reqId,
      ErrorReply.encode({ code: r.code as WireError, name: r.name, message: r.message }),
    )
    net.close(err)
  }

  // ---- client → logic ----------------------------------------------------------

  private onOpenFrame(net: Session, c: GatewayConn, frame: Frame): void {
    const id = frame.msgId
    if (id >= 1000) {
      let mark = 0
      let body: Uint8Array
      try {
        body = this.codecs[c.compress ? 1 : 0].open(
          frame.flags,
          id,
          frame.reqId,
          frame.body,
          c.cipher ?? undefined,
        )
      } catch (err) {
        const e = toTesseraError(err)
        if (
          e.code === 'CODEC_DECRYPT_FAILED' ||
          e.code === 'CODEC_REPLAY' ||
          e.code === 'CODEC_PLAINTEXT_REFUSED' ||
          e.code === 'CODEC_NO_CIPHER'
        ) {
          this.violation(net, c, e.message)
          return
        }
        // Still forwarded: logic counts it (the client numbers it) and answers the error.
        mark = e.code === 'CODEC_UNKNOWN_MESSAGE' ? MARK_UNKNOWN : MARK_BAD_BODY
        body = new Uint8Array(0)
      }
      c.pending.push(forwardedFrame(frame.flags, mark, id, frame.reqId, body))
      this.scheduleFlush(net)
      return
    }
    if (id === MsgId.Ack) {
      let seq: bigint
      try {
        seq = Ack.decode(frame.body).seq
      } catch (err) {
        this.violation(net, c, `bad Ack body: ${(err as Error).message}`)
        return
      }
      this.flushFrames(net, c)
      this.notifyLogic(c, ClientAck, { ...this.route(net, c), seq })
    } else if (id === MsgId.Goodbye) {
      let why = ''
      try {
        why = Goodbye.decode(frame.body).reason
      } catch {
        why = 'undecodable Goodbye'
      }
      this.flushFrames(net, c)
      this.ended(net, c)
      // An ordinary end: logged at debug (levels say what an operator must act on).
      const reason = EdgeClientGoodbye.with(
        { details: { ordinary: true } },
        why.length > 200 ? `${why.slice(0, 200)}…` : why || 'no reason given',
      )
      this.notifyLogic(c, ClientGone, { ...this.route(net, c), release: true, reason: reason.message })
      this.release(c)
      net.close(reason)
    } else if (id === MsgId.Handshake) this.violation(net, c, 'second Handshake on a session')
  }

  private violation(net: Session, c: GatewayConn, what: string): void {
    this.o.logger.warn({ conn: net.id, message: what }, 'protocol violation; session released')
    this.flushFrames(net, c)
    this.ended(net, c)
    this.notifyLogic(c, ClientGone, { ...this.route(net, c), release: true, reason: what })
    this.kick(net, KickReason.KICK_PROTOCOL, what, new EdgeProtocolViolation(what))
  }

  private route(net: Session, c: GatewayConn) {
    return { sessionId: c.sessionId, epoch: c.epoch, gatewayServiceId: this.o.serviceId, connId: net.id }
  }

  /** Frames of one socket read leave as one ClientFrames, after the read is parsed. */
  private scheduleFlush(net: Session): void {
    this.flushQueue.add(net)
    if (this.flushScheduled) return
    this.flushScheduled = true
    queueMicrotask(() => {
      this.flushScheduled = false
      for (const n of this.flushQueue) this.flushFrames(n, n.data as GatewayConn)
      this.flushQueue.clear()
    })
  }

  private flushFrames(net: Session, c: GatewayConn): void {
    if (c.pending.length === 0) return
    const frames = c.pending
    c.pending = []
    this.notifyLogic(c, ClientFrames, { ...this.route(net, c), frames })
  }

  private notifyLogic<T>(c: GatewayConn, type: MessageType<T>, msg: T): void {
    if (c.sessionId === '') return
    try {
      this.o.proxy.notify(c.logicId, type, msg)
    } catch (err) {
      this.o.logger.warn({ err, logic: c.logicId }, 'could not reach logic')
    }
  }

  // ---- logic → client ------------------------------------------------------------

  /** A ToClient from logic: one frame for one or more of this gateway's connections. */
  onToClient(m: ToClient): void {
    for (const id of m.connIds) {
      const net = this.net.get(id)
      if (net === undefined) continue
      const c = net.data as GatewayConn
      if (c.phase === 'binding') c.early.push(m)
      else if (c.phase === 'open') this.deliver(net, c, m)
    }
  }

  private deliver(net: Session, c: GatewayConn, m: ToClient): void {
    writeToClient(net, c, m, this.codecs)
    if (!m.close) return
    this.ended(net, c)
    net.close(new GatewaySessionEnded(m.msgId === MsgId.Kick ? kickText(m.body) : 'closed'))
  }

  // ---- kicks -------------------------------------------------------------------

  /** The center gave `player:<uid>` to a newer owner: older connections of that user are replaced. */
  private onRevoked(key: string, epoch: bigint): void {
    const m = /^player:(\d+)$/.exec(key)
    if (!m) return
    const uid = BigInt(m[1]!)
    for (const net of [...(this.byUser.get(uid) ?? [])]) {
      const c = net.data as GatewayConn
      if (c.phase !== 'open' || c.epoch >= epoch) continue
      this.flushFrames(net, c)
      this.ended(net, c)
      this.notifyLogic(c, ClientGone, { ...this.route(net, c), release: false, reason: 'replaced' })
      this.kick(net, KickReason.KICK_REPLACED, 'logged in elsewhere', new GatewayReplaced(String(uid)))
    }
  }

  /** A logic went away: its players' sequenced sessions are lost (docs/gateway.md). */
  private onLinkDown(link: Link): void {
    if (link.peer.kind !== 'logic') return
    const lost = link.peer.serviceId
    for (const set of [...this.byUser.values()]) {
      for (const net of [...set]) {
        const c = net.data as GatewayConn
        if (c.logicId !== lost || c.phase !== 'open') continue
        this.ended(net, c)
        this.kick(
          net,
          KickReason.KICK_SHUTDOWN,
          'game session lost; log in again',
          new GatewayLogicLost(lost),
        )
      }
    }
  }

  /** Open connections (for login's full session report). */
  openConns(): GatewayConn[] {
    const out: GatewayConn[] = []
    for (const set of this.byUser.values())
      for (const net of set) {
        const c = net.data as GatewayConn
        if (c.phase === 'open') out.push(c)
      }
    return out
  }

  /**
   * End every connection of a user (operator kick; login's SessionKick with
   * `olderThan`, its login epoch: only sessions of older logins). Returns how many.
   */
  kickUser(userId: bigint, message: string, reason: TesseraError, olderThan?: bigint): number {
    let n = 0
    for (const net of [...(this.byUser.get(userId) ?? [])]) {
      const c = net.data as GatewayConn
      if (olderThan !== undefined && c.loginEpoch >= olderThan) continue
      this.kickSession(net, message, reason)
      n++
    }
    return n
  }

  /**
   * End one connection for good with Kick{KICK_ADMIN, message}: a bound
   * player's session is released at logic (no resume). Also for connections
   * still in their handshake.
   */
  kickSession(net: Session, message: string, reason: TesseraError): void {
    const c = net.data as GatewayConn
    this.flushFrames(net, c)
    const open = c.phase === 'open'
    this.ended(net, c)
    if (open) this.notifyLogic(c, ClientGone, { ...this.route(net, c), release: true, reason: message })
    this.kick(net, KickReason.KICK_ADMIN, message, reason)
  }

  /**
   * Drain: end every client connection with Kick{KICK_SHUTDOWN, message}.
   * An open session is a drop, not an end (onClose tells logic
   * `release: false`): the player's session lingers at logic for the resume
   * grace period and the client resumes at another gateway. Returns how many
   * connections were closed.
   */
  moveAll(message: string, reason: TesseraError): number {
    let n = 0
    for (const net of this.net.list()) {
      if (net.type !== 'client' || !net.isOpen) continue
      const c = net.data as GatewayConn | undefined
      if (c?.phase === 'open') this.flushFrames(net, c)
      this.kick(net, KickReason.KICK_SHUTDOWN, message, reason)
      n++
    }
    return n
  }

  /** Push a Kick on the priority lane, then close. */
  private kick(net: Session, reason: KickReason, message: string, err: TesseraError): void {
    if (!net.isOpen) return
    net.send(FrameFlag.PRIORITY, MsgId.Kick, 0, Kick.encode({ reason, message }))
    // A newer login elsewhere, an operator's kick, a drain: our decision, not a fault (logged at info).
    const decided =
      reason === KickReason.KICK_REPLACED ||
      reason === KickReason.KICK_ADMIN ||
      (reason === KickReason.KICK_SHUTDOWN && !GatewayLogicLost.is(err))
    net.close(decided ? ourDecision(err) : err)
  }

  /** Shutdown: connected clients get Kick(KICK_SHUTDOWN); their sessions linger on logic for a resume elsewhere. */
  async close(): Promise<void> {
    await this.net.close()
  }

  // ---- bookkeeping ---------------------------------------------------------------

  private remember(net: Session, c: GatewayConn): void {
    let set = this.byUser.get(c.userId)
    if (!set) {
      set = new Set()
      this.byUser.set(c.userId, set)
    }
    set.add(net)
  }

  /** A session ends at this gateway for good (not a drop): login hears it is offline. */
  private ended(net: Session, c: GatewayConn): void {
    const wasOpen = c.phase === 'open'
    c.phase = 'closed'
    this.forget(net, c)
    if (wasOpen) this.o.onOffline?.(c)
  }

  private forget(net: Session, c: GatewayConn): void {
    const set = this.byUser.get(c.userId)
    if (!set) return
    set.delete(net)
    if (set.size === 0) this.byUser.delete(c.userId)
  }

  /** A deliberate end: let go of the player's ownership (best effort). */
  private release(c: GatewayConn): void {
    if (c.epoch === 0n) return
    this.o.proxy
      .request(
        CENTER_CHANNEL_ID,
        clusterWire.ownershipRelease,
        { key: `player:${c.userId}`, epoch: c.epoch, ownerServiceId: this.o.serviceId },
        clusterWire.ownershipReleaseOk,
      )
      .catch((err: unknown) => this.o.logger.debug({ err }, 'ownership release failed'))
  }
}

/** Refusals that mean "a service is away, retry" rather than "you are refused". */
function unavailable(code: string): boolean {
  return (
    code.startsWith('CLUSTER_') ||
    code === 'LOGIN_UNAVAILABLE' ||
    code === 'GATEWAY_SHARD_MOVING' ||
    code === 'LOGIC_SHARD_MOVED'
  )
}

function kickText(body: Uint8Array): string {
  try {
    return Kick.decode(body).message
  } catch {
    return 'kicked'
  }
}
