import type { Socket } from 'node:net'
import type { TesseraError } from '../../errors/index.js'
import { normalizeIp } from '../address.js'
import { NetPeerClosed, NetSocketError } from '../errors.js'
import type { Connection, ConnectionSink } from '../stack.js'
import { LengthPrefixParser } from './length-prefix-parser.js'

const kConn = Symbol('tessera.tcpConnection')
type Tagged = Socket & { [kConn]?: TcpConnection }

/**
 * A length-prefixed binary TCP connection. Listeners are shared module
 * functions that find the connection through a symbol on the socket, so a
 * connection costs no closures.
 */
export class TcpConnection extends LengthPrefixParser implements Connection {
  readonly stack: string
  readonly remoteIp: string
  readonly remotePort: number
  readonly socket: Socket
  private sink: ConnectionSink | null = null
  private error: TesseraError | null = null
  private closed = false

  constructor(socket: Socket, stack: string, maxFrameBytes: number) {
    super(maxFrameBytes)
    this.socket = socket
    this.stack = stack
    this.remoteIp = normalizeIp(socket.remoteAddress ?? '')
    this.remotePort = socket.remotePort ?? 0
    // Tagged and guarded from birth: an error before bind() must not crash.
    ;(socket as Tagged)[kConn] = this
    socket.on('error', onError)
  }

  get prefixBytes(): number {
    return 4
  }

  bind(sink: ConnectionSink): void {
    this.sink = sink
    const s = this.socket
    s.on('data', onData)
    s.on('drain', onDrain)
    // A half-close needs no listener: allowHalfOpen is false, so Node ends
    // our side and 'close' follows; a frame cut short is reported there.
    s.on('close', onClose)
    // An auto-detected socket was paused to peek at its first bytes.
    if (s.isPaused()) s.resume()
    if (s.destroyed) this.destroy()
  }

  setMaxFrameBytes(n: number): void {
    this.maxFrameBytes = n
  }

  write(frame: Buffer): void {
    if (this.closed) return
    frame.writeUInt32BE(frame.length - 4, 0)
    this.socket.write(frame)
  }

  bufferedBytes(): number {
    return this.socket.writableLength
  }

  pause(): void {
    this.socket.pause()
  }

  resume(): void {
    this.socket.resume()
  }

  end(): void {
    if (!this.closed) this.socket.end()
  }

  destroy(err?: TesseraError): void {
    if (err && this.error === null) this.error = err
    this.halted = true
    this.socket.destroy()
  }

  protected emitFrame(buf: Buffer, start: number, end: number): void {
    this.sink!.onFrame(buf, start, end)
  }

  /** @internal */
  handleClose(): void {
    if (this.closed) return
    this.closed = true
    this.halted = true
    let err = this.error
    if (err === null && this.midFrame) err = NetPeerClosed.with({ details: { midFrame: true } })
    const sink = this.sink
    this.sink = null
    sink?.onClose(err)
  }

  /** @internal */
  handleDrain(): void {
    this.sink?.onDrain()
  }

  /** @internal */
  recordError(err: TesseraError): void {
    if (this.error === null) this.error = err
  }
}

function onData(this: Tagged, chunk: Buffer): void {
  const c = this[kConn]!
  // Replies written while this chunk is parsed leave in one writev.
  this.cork()
  const err = c.push(chunk)
  this.uncork()
  if (err !== null) c.destroy(err)
}

function onDrain(this: Tagged): void {
  this[kConn]!.handleDrain()
}

function onError(this: Tagged, err: Error & { code?: string }): void {
  // ECONNRESET and friends: recorded as the close reason; 'close' follows.
  this[kConn]!.recordError(NetSocketError.with({ cause: err }, err.code ?? err.message))
}

function onClose(this: Tagged): void {
  this[kConn]!.handleClose()
}
