import {
  type ClusterWire,
  LinkAuth,
  LinkAuthOk,
  LinkChallenge,
  LinkHello,
  type MessageType,
} from '@tessera/wire'
import { generateKeyPair, type KeyPair } from '../codec/index.js'
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
import type { Scheduler, TimerHandle } from '../timer/index.js'
import { ClusterSecrets } from './cluster-secrets.js'
import { ClusterAuthFailed, ClusterUnreachable } from './errors.js'
import {
  type LinkKeys,
  linkProof,
  MAX_LINK_SECRETS,
  matchSecret,
  NO_KEYS,
  newNonce,
  type PeerIdentity,
} from './link-auth.js'
import { LINK_KEY_BYTES, linkSealer } from './link-cipher.js'
import type { ClusterTransport, Link, LinkHandler } from './transport.js'

export interface TcpClusterTransportOptions {
  identity: PeerIdentity
  /**
   * Shared by every service of the cluster; at least 16 characters. During
   * a rotation, several (a list, or a {@link ClusterSecrets} the process
   * replaces on reload): see ClusterSecrets for which one a link proves.
   */
  secret: string | readonly string[] | ClusterSecrets
  /** @deprecated ignored: the cluster layer uses @tessera/wire's generated messages. */
  wire?: ClusterWire
  logger?: NetLogger
  /** Net limits (the `service` section applies to cluster links). */
  limits?: NetLimitsInput
  clock?: Clock
  /**
   * Runs the dial deadline and the links' net timers (sweep, close grace):
   * the service's `ctx.timers`, or a wheel on the test's ManualClock
   * (default: the process-wide systemTimers()).
   */
  timers?: Scheduler
  /** Connect plus handshake. Default 5000 ms. */
  dialTimeoutMs?: number
  /**
   * Encrypt this process's links (cluster.encryptLinks): dial with an
   * ephemeral X25519 key and refuse an acceptor that does not answer with
   * one; refuse diallers that offer none. Off, a link is still encrypted
   * when the dialler asks. Default false.
   */
  encrypt?: boolean
  /** Key epoch length of encrypted links, ms (the codec's rotateMs). Default 10 minutes. */
  keyRotateMs?: number
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
  /** Both ephemeral public keys (empty: a link in clear) and this side's pair. */
  keys?: LinkKeys
  keyPair?: KeyPair
  /** The secrets this side proved in its challenge (the set at that moment; a reload mid-handshake does not change it). */
  secrets?: readonly string[]
}

/** Dialling side, before the link is up. */
interface Dialling {
  phase: 'challenge' | 'ok'
  address: string
  nonce: Buffer
  resolve(link: Link): void
  reject(err: TesseraError): void
  timer: TimerHandle
  peer?: PeerIdentity
  keyPair: KeyPair | null
  keys?: LinkKeys
  acceptNonce?: Uint8Array
  /** The secret both sides proved: the link's keys derive from it; and its place in this side's list. */
  secret?: string
  secretIndex?: number
}

/**
 * Cluster links over the net layer's binary TCP stack as `service` sessions
 * (heartbeats, idle timeout, never-drop outbound queues come from there).
 *
 * Handshake (4 frames, HMAC-SHA256 with the cluster secret):
 * dialler → LinkHello(identity, nonceD); acceptor → LinkChallenge(identity,
 * nonceA, proofA); dialler checks proofA, → LinkAuth(proofD); acceptor checks
 * proofD → LinkAuthOk. Both sides prove the secret, so a dialler never talks
 * to an impostor either. With several secrets (a rotation, {@link
 * ClusterSecrets}) the acceptor proves each, the dialler proves the first of
 * its own that the acceptor proved, and that secret keys the link. Anything
 * else before the handshake ends is refused, logged with the peer's address
 * and claimed identity, and closed.
 *
 * Encrypted links: LinkHello and LinkChallenge also carry ephemeral X25519
 * public keys, covered by both proofs; every frame after LinkAuthOk (which
 * itself travels in clear) is sealed with AES-256-GCM ({@link linkSealer}),
 * and a frame that does not open closes the link.
 */
export class TcpClusterTransport implements ClusterTransport, SessionHandler {
  readonly identity: PeerIdentity
  readonly net: NetServer
  private handler: LinkHandler | undefined
  private readonly secrets: ClusterSecrets
  private readonly logger: NetLogger
  private readonly dialTimeoutMs: number
  private readonly encrypt: boolean
  private readonly cipherOptions: { rotateMs?: number; clock?: Clock }

  constructor(opts: TcpClusterTransportOptions) {
    this.identity = { ...opts.identity }
    this.secrets = ClusterSecrets.of(opts.secret)
    this.logger = opts.logger ?? silentLogger
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 5000
    this.encrypt = opts.encrypt ?? false
    this.cipherOptions = {
      ...(opts.keyRotateMs !== undefined ? { rotateMs: opts.keyRotateMs } : {}),
      ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
    }
    this.net = new NetServer({
      handler: this,
      limits: opts.limits,
      logger: this.logger,
      clock: opts.clock,
      timers: opts.timers,
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
        timer: this.net.timers.after(this.dialTimeoutMs, () => {
          session.abort(new ClusterUnreachable(address, `no handshake within ${this.dialTimeoutMs} ms`))
        }),
        keyPair: this.encrypt ? generateKeyPair() : null,
      }
      session.data = st
      if (!session.isOpen) {
        this.dialFailed(st, new ClusterUnreachable(address, 'closed at once'))
        return
      }
      const me = this.identity
      const keyPublic = st.keyPair?.publicKey ?? new Uint8Array(0)
      session.send(0, LinkHello.msgId, 1, LinkHello.encode({ ...me, nonce, keyPublic }))
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
      const offered = hello.keyPublic.length > 0
      if (offered && hello.keyPublic.length !== LINK_KEY_BYTES)
        throw new ClusterAuthFailed(`link key of ${hello.keyPublic.length} bytes, want ${LINK_KEY_BYTES}`)
      if (!offered && this.encrypt)
        throw new ClusterAuthFailed(
          'this service encrypts its links (cluster.encryptLinks); the dialler offered no key',
        )
      st.peer = peer
      st.dialNonce = hello.nonce
      st.acceptNonce = newNonce()
      st.phase = 'auth'
      if (offered) {
        st.keyPair = generateKeyPair()
        st.keys = { dial: hello.keyPublic, accept: st.keyPair.publicKey }
      } else st.keys = NO_KEYS
      st.secrets = this.secrets.list
      const [proof, ...moreProofs] = st.secrets.map((secret) =>
        linkProof(secret, 'accept', hello.nonce, st.acceptNonce!, peer, this.identity, st.keys),
      )
      session.send(
        FrameFlag.RESPONSE,
        LinkChallenge.msgId,
        frame.reqId,
        LinkChallenge.encode({
          ...this.identity,
          nonce: st.acceptNonce,
          proof: proof!,
          keyPublic: st.keys.accept,
          moreProofs,
        }),
      )
      return
    }
    if (st.phase === 'auth' && frame.msgId === LinkAuth.msgId) {
      const { proof } = frame.decode(LinkAuth)
      const secrets = st.secrets!
      // Any secret this side proved will do; the refusal is the same whichever one a wrong proof aimed at.
      const i = matchSecret(
        secrets,
        (secret) =>
          linkProof(secret, 'dial', st.dialNonce!, st.acceptNonce!, st.peer!, this.identity, st.keys),
        [proof],
      )
      if (i < 0) throw new ClusterAuthFailed('wrong proof (the peer does not have the cluster secret)')
      const secret = secrets[i]!
      const link = new TcpLink(session, st.peer!, false)
      session.data = link
      session.markAuthenticated()
      session.send(FrameFlag.RESPONSE, LinkAuthOk.msgId, frame.reqId, LinkAuthOk.encode({}))
      // Everything after LinkAuthOk is sealed (the dialler starts on receiving it).
      const encrypted = st.keyPair !== undefined
      if (encrypted)
        session.setSealer(
          linkSealer(
            'accept',
            secret,
            st.keyPair!,
            st.keys!.dial,
            st.dialNonce!,
            st.acceptNonce!,
            this.cipherOptions,
          ),
        )
      this.logger.info(
        // `secret`: which of this side's secrets the link proved (0 = the preferred; never the secret).
        { link: link.id, peer: st.peer, ip: session.remoteIp, encrypted, secret: i },
        'cluster: link up (inbound)',
      )
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
      const offered = st.keyPair !== null
      if (offered && ch.keyPublic.length !== LINK_KEY_BYTES)
        throw new ClusterAuthFailed(`${st.address} did not answer the link key (an older build, or stripped)`)
      if (!offered && ch.keyPublic.length > 0)
        throw new ClusterAuthFailed(`${st.address} sent a link key that was not asked for`)
      const keys: LinkKeys = offered ? { dial: st.keyPair!.publicKey, accept: ch.keyPublic } : NO_KEYS
      const proofs = [ch.proof, ...ch.moreProofs]
      if (proofs.length > MAX_LINK_SECRETS)
        throw new ClusterAuthFailed(`${st.address} sent ${proofs.length} proofs, at most ${MAX_LINK_SECRETS}`)
      // Prove with the first of our secrets (in our order) that the acceptor proved.
      const secrets = this.secrets.list
      const i = matchSecret(
        secrets,
        (secret) => linkProof(secret, 'accept', st.nonce, ch.nonce, this.identity, peer, keys),
        proofs,
      )
      if (i < 0) throw new ClusterAuthFailed(`${st.address} does not have the cluster secret`)
      const secret = secrets[i]!
      st.peer = peer
      st.phase = 'ok'
      st.keys = keys
      st.acceptNonce = ch.nonce
      st.secret = secret
      st.secretIndex = i
      const proof = linkProof(secret, 'dial', st.nonce, ch.nonce, this.identity, peer, keys)
      session.send(0, LinkAuth.msgId, 2, LinkAuth.encode({ proof }))
      return
    }
    if (st.phase === 'ok' && frame.msgId === LinkAuthOk.msgId) {
      this.net.timers.cancel(st.timer)
      const link = new TcpLink(session, st.peer!, true)
      session.data = link
      session.markAuthenticated()
      const encrypted = st.keyPair !== null
      if (encrypted)
        session.setSealer(
          linkSealer(
            'dial',
            st.secret!,
            st.keyPair!,
            st.keys!.accept,
            st.nonce,
            st.acceptNonce!,
            this.cipherOptions,
          ),
        )
      this.logger.info(
        { link: link.id, peer: st.peer, address: st.address, encrypted, secret: st.secretIndex },
        'cluster: link up (outbound)',
      )
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
    this.net.timers.cancel(st.timer)
    st.reject(err)
  }
}

function sameService(a: PeerIdentity, b: PeerIdentity): boolean {
  return a.kind === b.kind && a.serviceId === b.serviceId
}
