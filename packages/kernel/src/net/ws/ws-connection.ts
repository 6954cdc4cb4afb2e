import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'
import type { TesseraError } from '../../errors/index.js'
import { normalizeIp } from '../address.js'
import { NetBadMessageType, NetFrameTooLarge, NetPeerClosed, NetSocketError } from '../errors.js'
import { encodeFrame } from '../frame-header.js'
import { CLOSING_DISCARD_BYTES, type Connection, type ConnectionSink } from '../stack.js'
import { TurnCork } from '../turn-cork.js'

const kConn = Symbol('tessera.wsConnection')
type TaggedWs = WebSocket & { [kConn]?: WsConnection }
type TaggedSocket = Socket & { [kConn]?: WsConnection }

/**
 * ws keeps the per-socket payload cap on its receiver (we lower it until
 * authentication) and its parse state there (the per-frame deadline reads it).
 */
interface WsInternals {
  _receiver?: {
    _maxPayload?: number
    _state?: number
    _bufferedBytes?: number
    _fragmented?: number
  }
}

/**
 * One WebSocket binary message = one frame. Listeners are shared functions
 * (no closures per connection); `ws` itself checks the payload length
 * against the receiver's max before buffering.
 */
export class WsConnection implements Connection {
  readonly stack: string
  readonly remoteIp: string
  readonly remotePort: number
  readonly ws: WebSocket
  readonly socket: Socket
  private sink: ConnectionSink | null = null
  private error: TesseraError | null = null
  private closed = false
  /** Bytes read since {@link end} (thrown away unparsed), or -1 while open. */
  discarded = -1
  /** The socket is corked until the end of this loop turn (see turn-cork.ts). */
  private readonly turn: TurnCork

  constructor(ws: WebSocket, socket: Socket, stack: string) {
    this.turn = new TurnCork(socket)
    this.ws = ws
    this.socket = socket
    this.stack = stack
    this.remoteIp = normalizeIp(socket.remoteAddress ?? '')
    this.remotePort = socket.remotePort ?? 0
    ;(ws as TaggedWs)[kConn] = this
    ;(socket as TaggedSocket)[kConn] = this
    ws.on('error', onError)
    ws.on('close', onClose)
  }

  get prefixBytes(): number {
    return 0
  }

  /** ws's receiver holds part of a frame (or of a fragmented message). */
  get midFrame(): boolean {
    const r = (this.ws as unknown as WsInternals)._receiver
    return r !== undefined && (r._state !== 0 || (r._bufferedBytes ?? 0) > 0 || (r._fragmented ?? 0) !== 0)
  }

  bind(sink: ConnectionSink): void {
    this.sink = sink
    this.ws.on('message', onMessage)
    this.socket.on('drain', onDrain)
  }

  setMaxFrameBytes(n: number): void {
    const r = (this.ws as unknown as WsInternals)._receiver
    if (r && typeof r._maxPayload === 'number') r._maxPayload = n
  }

  write(frame: Buffer): void {
    if (this.closed || this.ws.readyState !== 1) return
    // ws corks around each message's header + payload; this outer cork keeps
    // every message of the turn for one writev (see turn-cork.ts).
    this.turn.cork()
    this.ws.send(frame)
  }

  writeFrame(flags: number, msgId: number, reqId: number, body: Uint8Array, bodyLength: number): void {
    if (this.closed || this.ws.readyState !== 1) return
    this.turn.cork()
    this.ws.send(encodeFrame(0, flags, msgId, reqId, body, bodyLength))
  }

  flush(): boolean {
    return this.turn.flush()
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount
  }

  pause(): void {
    this.ws.pause()
  }

  resume(): void {
    this.ws.resume()
  }

  /**
   * Send the close frame, then FIN. ws would otherwise keep parsing (and
   * unmasking) whatever the peer sends until the peer's own close frame
   * arrives: a flooding peer would cost the loop the whole close grace. So
   * its parser is detached and later bytes are read and dropped, up to a
   * budget past which the socket is destroyed.
   */
  end(): void {
    if (this.closed || this.discarded >= 0) return
    this.ws.close(1000)
    this.discarded = 0
    // The close frame leaves behind this turn's frames, then FIN.
    this.turn.flush()
    const s = this.socket
    s.removeAllListeners('data')
    s.on('data', onDiscard)
    s.end()
    if (s.isPaused()) s.resume()
  }

  /** @internal a read after end(): dropped unparsed; a peer that keeps writing is cut. */
  discard(n: number): void {
    this.discarded += n
    if (this.discarded > CLOSING_DISCARD_BYTES) this.socket.destroy()
  }

  destroy(err?: TesseraError): void {
    if (err && this.error === null) this.error = err
    // What this turn wrote is handed to the kernel first, as an uncorked write would have been.
    this.turn.flush()
    this.ws.terminate()
  }

  /** @internal */
  handleMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed) return
    if (!isBinary) {
      this.destroy(new NetBadMessageType('text message on a binary protocol'))
      return
    }
    // A plain view: the protobuf decoders read a plain Uint8Array much faster than a Buffer.
    this.sink?.onFrame(new Uint8Array(data.buffer, data.byteOffset, data.length), 0, data.length)
  }

  /** @internal */
  handleDrain(): void {
    this.sink?.onDrain()
  }

  /** @internal */
  handleError(err: Error & { code?: string }): void {
    if (this.error !== null) return
    this.error =
      err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
        ? NetFrameTooLarge.with({ cause: err }, -1, this.maxPayload())
        : NetSocketError.with({ cause: err }, err.code ?? err.message)
  }

  /** @internal */
  handleClose(code: number): void {
    if (this.closed) return
    this.closed = true
    const err =
      this.error ??
      (code === 1000 || code === 1001 ? null : NetPeerClosed.with({ details: { wsCode: code } }))
    const sink = this.sink
    this.sink = null
    sink?.onClose(err)
  }

  private maxPayload(): number {
    return (this.ws as unknown as WsInternals)._receiver?._maxPayload ?? -1
  }
}

function onMessage(this: TaggedWs, data: Buffer, isBinary: boolean): void {
  this[kConn]!.handleMessage(data, isBinary)
}

function onDiscard(this: TaggedSocket, chunk: Buffer): void {
  this[kConn]?.discard(chunk.length)
}

function onDrain(this: TaggedSocket): void {
  this[kConn]?.handleDrain()
}

function onError(this: TaggedWs, err: Error): void {
  this[kConn]!.handleError(err)
}

function onClose(this: TaggedWs, code: number): void {
  this[kConn]!.handleClose(code)
}
