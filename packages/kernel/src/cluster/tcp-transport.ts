import {
  type ClusterWire,
  LinkAuth,
  LinkAuthOk,
  LinkChallenge,
  LinkHello,
  type MessageType,
} from '@tessera/wire'
import { type TesseraError, toTesseraError } from '../errors/index.js'
import {
  type ControlCodec,
  decodeMinimalReason,
  type Frame,
  FrameFlag,
  type InboundFrame,
  type NetLimitsInput,
  type NetLogger,
  NetServer,
  type Session,
  type SessionHandler,
  silentLogger,
  textControlCodec,
} from '../net/index.js'
import type { Clock } from '../timer/clock.js'
import { ClusterAuthFailed, ClusterUnreachable } from './errors.js'
import { checkSecret, linkProof, newNonce, type PeerIdentity, proofMatches } from './link-auth.js'
import type { ClusterTransport, Link, LinkHandler } from './transport.js'

export interface TcpClusterTransportOptions {
  identity: PeerIdentity
  /** Shared by every service of the cluster; at least 16 characters. */
  secret: string
  /** @deprecated ignored: the cluster layer uses @tessera/wire's generated messages. */
  wire?: ClusterWire
  logger?: NetLogger
  /** Net limits (the `service` section applies to cluster links). */
  limits?: NetLimitsInput
  clock?: Clock
  /** Connect plus handshake. Default 5000 ms. */
  dialTimeoutMs?: number
}

/**
 * Control ids on cluster links: tessera.Heartbeat (3) and tessera.Kick (5).
 * Error bodies use the net layer's `code\nmessage` form, which keeps the
 * remote error code for the caller.
 */
export const clusterControlCodec: ControlCodec = textControlCodec

class TcpLink implements Link {
  constructor(
    readonly session: Session,
    readonly peer: PeerIdentity,
    readonly outbound: boolean,
  ) {}

  get id(): number {
    return this.session.id
  }

  get isOpen(): boolean {
    return this.session.isOpen
  }

  send(flags: number, msgId: number, reqId: number, body: Uint8Array): boolean {
    return this.session.send(flags, msgId, reqId, body)
  }

  sendMessage<T>(flags: number, msgId: number, reqId: number, type: MessageType<T>, message: T): boolean {
    return this.session.sendMessage(flags, msgId, reqId, type, message)
  }

  close(reason?: TesseraError): Promise<void> {
    return this.session.close(reason)
  }
}

/** Accepting side, before the link is up. */
interface Accepting {
  phase: 'hello' | 'auth'
  peer?: PeerIdentity
  dialNonce?: Uint8Array
  acceptNonce?: Buffer
}

/** Dialling side, before the link is up. */
interface Dialling {
  phase: 'challenge' | 'ok'
  address: string
  nonce: Buffer
  resolve(link: Link): void
  reject(err: TesseraError): void
  timer: NodeJS.Timeout
  peer?: PeerIdentity
}

/**
 * Cluster links over the net layer's binary TCP stack as `service` sessions
 * (heartbeats, idle timeout, never-drop outbound queues come from there).
 *
 * Handshake (4 frames, HMAC-SHA256 with the cluster secret):
 * dialler → LinkHello(identity, nonceD); acceptor → LinkChallenge(identity,
 * nonceA, proofA); dialler checks proofA, → LinkAuth(proofD); acceptor checks
 * proofD → LinkAuthOk. Both sides prove the secret, so a dialler never talks
 * to an impostor either. Anything else before the handshake ends is refused,
 * logged with the peer's address and claimed identity, and closed.
 */
export class TcpClusterTransport implements ClusterTransport, SessionHandler {
  readonly identity: PeerIdentity
  readonly net: NetServer
  private handler: LinkHandler | undefined
  private readonly secret: string
  private readonly logger: NetLogger
  private readonly dialTimeoutMs: number

  constructor(opts: TcpClusterTransportOptions) {
    checkSecret(opts.secret)
    this.identity = { ...opts.identity }
    this.secret = opts.secret
    this.logger = opts.logger ?? silentLogger
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 5000
    this.net = new NetServer({
      handler: this,
      limits: opts.limits,
      logger: this.logger,
      clock: opts.clock,
      control: clusterControlCodec,
    })
  }

  bind(handler: LinkHandler): void {
    this.handler = handler
  }

  async listen(address: string): Promise<string> {
    const l = await this.net.listen(address, 'service')
    return `tcp://${l.address.host}:${l.address.port}`
  }

  async dial(address: string): Promise<Link> {
    let session: Session
    try {
      session = await this.net.connect(address, 'service', { timeoutMs: this.dialTimeoutMs })
    } catch (err) {
      const e = toTesseraError(err)
      throw ClusterUnreachable.with({ cause: e }, address, e.message)
    }
    return new Promise<Link>((resolve, reject) => {
      const nonce = newNonce()
      const st: Dialling = {
        phase: 'challenge',
        address,
        nonce,
        resolve,
        reject,
        timer: setTimeout(() => {
          session.abort(new ClusterUnreachable(address, `no handshake within ${this.dialTimeoutMs} ms`))
        }, this.dialTimeoutMs),
      }
      st.timer.unref()
      session.data = st
      if (!session.isOpen) {
        this.dialFailed(st, new ClusterUnreachable(address, 'closed at once'))
        return
      }
      const me = this.identity
      session.send(0, LinkHello.msgId, 1, LinkHello.encode({ ...me, nonce }))
    })
  }

  close(): Promise<void> {
    return this.net.close()
  }

  // ---- SessionHandler ------------------------------------------------------

  onOpen(session: Session): void {
    if (!session.initiator) session.data = { phase: 'hello' } satisfies Accepting
  }

  onMessage(session: Session, frame: InboundFrame): void {
    const d = session.data
    if (d instanceof TcpLink) {
      this.handler?.onFrame(d, frame)
      return
    }
    try {
      if (session.initiator) this.dialStep(session, d as Dialling, frame)
      else this.acceptStep(session, d as Accepting, frame)
    } catch (err) {
      const e = toTesseraError(err)
      this.refuse(
        session,
        frame,
        e.code === ClusterAuthFailed.code ? e : ClusterAuthFailed.with({ cause: e }, e.message),
      )
    }
  }

  onClose(session: Session, reason: TesseraError): void {
    const d = session.data
    if (d instanceof TcpLink) {
      this.handler?.onLinkDown(d, reason)
      return
    }
    if (session.initiator && d) {
      const st = d as Dialling
      this.dialFailed(st, ClusterUnreachable.with({ cause: reason }, st.address, reason.message))
    }
  }

  // ---- handshake -----------------------------------------------------------

  private acceptStep(session: Session, st: Accepting, frame: InboundFrame): void {
    if (st.phase === 'hello' && frame.msgId === LinkHello.msgId) {
      const hello = frame.decode(LinkHello)
      const peer = { kind: hello.kind, serviceId: hello.serviceId, node: hello.node }
      // A reflection: someone relays one of our own dials back to our
      // listener, claiming to be us, to have us prove the secret for them
      // (then hands our challenge to our dialer). A service never links to
      // itself, so a peer claiming to be this service is refused.
      if (sameService(peer, this.identity)) throw new ClusterAuthFailed('a peer claiming to be this service')
      st.peer = peer
      st.dialNonce = hello.nonce
      st.acceptNonce = newNonce()
      st.phase = 'auth'
      const proof = linkProof(this.secret, 'accept', hello.nonce, st.acceptNonce, peer, this.identity)
      session.send(
        FrameFlag.RESPONSE,
        LinkChallenge.msgId,
        frame.reqId,
        LinkChallenge.encode({ ...this.identity, nonce: st.acceptNonce, proof }),
      )
      return
    }
    if (st.phase === 'auth' && frame.msgId === LinkAuth.msgId) {
      const { proof } = frame.decode(LinkAuth)
      const want = linkProof(this.secret, 'dial', st.dialNonce!, st.acceptNonce!, st.peer!, this.identity)
      if (!proofMatches(want, proof))
        throw new ClusterAuthFailed('wrong proof (the peer does not have the cluster secret)')
      const link = new TcpLink(session, st.peer!, false)
      session.data = link
      session.markAuthenticated()
      session.send(FrameFlag.RESPONSE, LinkAuthOk.msgId, frame.reqId, LinkAuthOk.encode({}))
      this.logger.info({ link: link.id, peer: st.peer, ip: session.remoteIp }, 'cluster: link up (inbound)')
      this.handler?.onLinkUp(link)
      return
    }
    throw new ClusterAuthFailed(`message ${frame.msgId} before the handshake finished`)
  }

  private dialStep(session: Session, st: Dialling, frame: InboundFrame): void {
    if ((frame.flags & FrameFlag.ERROR) !== 0) {
      const r = decodeMinimalReason(frame.body)
      const err = new ClusterAuthFailed(`${st.address} said ${r.code}: ${r.message}`)
      session.abort(err)
      this.dialFailed(st, err)
      return
    }
    if (st.phase === 'challenge' && frame.msgId === LinkChallenge.msgId) {
      const ch = frame.decode(LinkChallenge)
      const peer = { kind: ch.kind, serviceId: ch.serviceId, node: ch.node }
      if (sameService(peer, this.identity))
        throw new ClusterAuthFailed(`${st.address} claims to be this service (a reflection)`)
      const want = linkProof(this.secret, 'accept', st.nonce, ch.nonce, this.identity, peer)
      if (!proofMatches(want, ch.proof))
        throw new ClusterAuthFailed(`${st.address} does not have the cluster secret`)
      st.peer = peer
      st.phase = 'ok'
      const proof = linkProof(this.secret, 'dial', st.nonce, ch.nonce, this.identity, peer)
      session.send(0, LinkAuth.msgId, 2, LinkAuth.encode({ proof }))
      return
    }
    if (st.phase === 'ok' && frame.msgId === LinkAuthOk.msgId) {
      clearTimeout(st.timer)
      const link = new TcpLink(session, st.peer!, true)
      session.data = link
      session.markAuthenticated()
      this.logger.info({ link: link.id, peer: st.peer, address: st.address }, 'cluster: link up (outbound)')
      st.resolve(link)
      return
    }
    throw new ClusterAuthFailed(`unexpected message ${frame.msgId} during the handshake`)
  }

  private refuse(session: Session, frame: Frame, err: TesseraError): void {
    const d = session.data as Accepting | Dialling | undefined
    this.logger.warn(
      { ip: session.remoteIp, claimed: d?.peer, msgId: frame.msgId, code: err.code, reason: err.message },
      'cluster: peer refused',
    )
    if (!session.initiator) {
      session.replyError(frame, err)
      void session.close(err)
    } else {
      session.abort(err)
      if (d) this.dialFailed(d as Dialling, err)
    }
  }

  private dialFailed(st: Dialling, err: TesseraError): void {
    clearTimeout(st.timer)
    st.reject(err)
  }
}

function sameService(a: PeerIdentity, b: PeerIdentity): boolean {
  return a.kind === b.kind && a.serviceId === b.serviceId
}
