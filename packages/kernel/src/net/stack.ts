import type { Socket } from 'node:net'
import type { MessageType } from '@tessera/wire'
import type { TesseraError } from '../errors/index.js'
import type { Scheduler } from '../timer/scheduler.js'
import type { NetAddress } from './address.js'
import type { HttpRoutes } from './http/routes.js'
import type { NetLimits, SessionType } from './limits.js'
import type { NetLogger } from './logger.js'
import type { TlsContexts } from './tls/tls-contexts.js'

/**
 * What a connection reports to its owner (the session). Methods, not
 * callbacks, so a session object is its own sink and costs no closures.
 */
export interface ConnectionSink {
  /**
   * One whole frame (header + body, no stack prefix) at `buf[start, end)`.
   * Passed as a range so a frame inside a read chunk costs no view object;
   * the body view made from it must be copied to outlive the call.
   */
  onFrame(buf: Uint8Array, start: number, end: number): void
  /** The transport's write buffer drained. */
  onDrain(): void
  /** The transport is closed; called exactly once. `err` says why when it was not a clean close. */
  onClose(err: TesseraError | null): void
}

/**
 * Bytes a closing connection still reads (and throws away unparsed) before it
 * is destroyed: enough for a polite peer's last frames and its close, while a
 * peer that keeps writing costs neither parsing nor the close grace period.
 */
export const CLOSING_DISCARD_BYTES = 64 * 1024

/** One transport connection turned into frames. Every stack implements this and nothing more. */
export interface Connection {
  readonly stack: string
  readonly remoteIp: string
  readonly remotePort: number
  /** Bytes the stack needs before the header of an outbound frame (TCP: 4 for the length). */
  readonly prefixBytes: number
  /** The socket underneath, when there is one (admission tracks accepted sockets by it). */
  readonly socket?: Socket
  /** True while part of a frame has arrived and the rest has not (the per-frame deadline watches it). */
  readonly midFrame?: boolean
  /** Attach the sink; reading starts here. */
  bind(sink: ConnectionSink): void
  /** Largest inbound frame accepted from now on, checked before the body is allocated. */
  setMaxFrameBytes(n: number): void
  /** Write one encoded frame whose first `prefixBytes` are reserved for the stack to fill. */
  write(frame: Buffer): void
  /**
   * Encode and write one frame, its body `body[0, bodyLength)`. The stack may encode it straight into a
   * shared output buffer (TCP batches the replies to one read into one write).
   */
  writeFrame(flags: number, msgId: number, reqId: number, body: Uint8Array, bodyLength: number): void
  /**
   * Optional: encode `message` straight into the stack's outbound buffer as
   * one frame of at most `maxBytes` (prefix included). Returns the frame's
   * size, or -1 when the stack cannot do it now (the caller then encodes the
   * body itself and calls {@link writeFrame}). TCP does it while batching a read.
   */
  writeMessage?<T>(
    flags: number,
    msgId: number,
    reqId: number,
    type: MessageType<T>,
    message: T,
    maxBytes: number,
  ): number
  /** Bytes accepted by write()/writeFrame() and not yet handed to the kernel. */
  bufferedBytes(): number
  /**
   * Optional: hand the frames held back for this loop turn (write
   * coalescing, see turn-cork.ts) to the kernel now. True when there were
   * any: {@link bufferedBytes} may then have dropped.
   */
  flush?(): boolean
  pause(): void
  resume(): void
  /** Flush what is buffered, then close. */
  end(): void
  /** Close now, dropping buffered bytes; `err` becomes the reason given to onClose. */
  destroy(err?: TesseraError): void
}

/** The side of the server a stack talks to while listening. */
export interface Acceptor {
  readonly limits: Readonly<NetLimits>
  readonly logger: NetLogger
  /**
   * Called on every inbound socket before a byte is read; false = refuse (IP
   * lists, connection caps). Given the socket, the acceptor tracks it until
   * it closes (caps per IP and server, pending eviction, probation).
   */
  admit(ip: string, socket?: Socket): boolean
  /** Optional: the socket's first HTTP request arrived (it is no longer pending). */
  settle?(socket: Socket): void
  /** Hand over a new connection; must bind it synchronously. */
  accept(conn: Connection, type: SessionType): void
}

export interface ListenOptions {
  address: NetAddress
  type: SessionType
  /** HTTP routes (http and auto stacks). */
  routes?: HttpRoutes
  /** Certificates of the TLS stacks (tls, wss, https, auto+tls); required by them. */
  tls?: TlsContexts
}

export interface Listener {
  /** The bound address (port filled in when 0 was asked). */
  readonly address: NetAddress
  /** Stop accepting; live connections are left to their sessions. */
  close(): Promise<void>
}

export interface ConnectOptions {
  address: NetAddress
  maxFrameBytes: number
  localAddress?: string
  timeoutMs: number
  /** Runs the connect timeout (the NetServer's scheduler). */
  timers: Scheduler
  /** TLS stacks: trust anchors and the name to verify (default: the address host). */
  tls?: TlsConnectOptions
}

export interface TlsConnectOptions {
  /** PEM CA certificates to trust instead of the system store. */
  ca?: string | Buffer | (string | Buffer)[]
  /** SNI name and the name the certificate must match. */
  servername?: string
  minVersion?: 'TLSv1.2' | 'TLSv1.3'
}

/** A protocol stack: one per URL scheme. Adding one touches no session code. */
export interface Stack {
  readonly name: string
  listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener>
  connect(opts: ConnectOptions): Promise<Connection>
}
