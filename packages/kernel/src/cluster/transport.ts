import type { MessageType } from '@tessera/wire'
import type { TesseraError } from '../errors/index.js'
import type { InboundFrame } from '../net/index.js'
import type { PeerIdentity } from './link-auth.js'

/**
 * An authenticated, ordered, bidirectional message channel to one peer
 * service. Frames use the net layer's header (flags, msgId, reqId).
 */
export interface Link {
  /** Unique per transport, for logs. */
  readonly id: number
  /** Who the peer proved to be during the handshake. */
  readonly peer: PeerIdentity
  /** True when this side dialled. */
  readonly outbound: boolean
  readonly isOpen: boolean
  /** Never drops: a link past its hard backlog cap closes instead (and its requests fail). */
  send(flags: number, msgId: number, reqId: number, body: Uint8Array): boolean
  /**
   * Encode `message` as `type` straight into the outbound frame (no body
   * array in between); same delivery as {@link send}. Throws what the
   * encoder throws, having sent nothing.
   */
  sendMessage<T>(flags: number, msgId: number, reqId: number, type: MessageType<T>, message: T): boolean
  close(reason?: TesseraError): Promise<void>
}

/** What a transport reports; the ServiceProxy implements it. */
export interface LinkHandler {
  /** An inbound link finished its handshake (outbound ones are returned by dial). */
  onLinkUp(link: Link): void
  /**
   * One frame from an authenticated link. Its body is only valid during the
   * call; `frame.decode(type)` reads it in place.
   */
  onFrame(link: Link, frame: InboundFrame): void
  /** The link closed; called once per link that came up. */
  onLinkDown(link: Link, reason: TesseraError): void
}

/**
 * How services reach each other. The default is {@link TcpClusterTransport}
 * (the net layer's binary TCP stack, `service` sessions, HMAC handshake);
 * another transport (a message bus, in-process for one-box deployments)
 * implements this and nothing else changes.
 */
export interface ClusterTransport {
  readonly identity: PeerIdentity
  bind(handler: LinkHandler): void
  /** Listen for peers; returns the bound address (`tcp://127.0.0.1:39001`). */
  listen(address: string): Promise<string>
  /** Connect and authenticate; rejects with CLUSTER_UNREACHABLE or CLUSTER_AUTH_FAILED. */
  dial(address: string): Promise<Link>
  close(): Promise<void>
}
