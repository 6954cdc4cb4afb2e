import type { Socket } from 'node:net'
import type { MessageType } from '@tessera/wire'
import type { TesseraError } from '../../errors/index.js'
import { normalizeIp } from '../address.js'
import { NetPeerClosed, NetSocketError } from '../errors.js'
import { encodeFrame, HEADER_BYTES, writeHeader } from '../frame-header.js'
import { CLOSING_DISCARD_BYTES, type Connection, type ConnectionSink } from '../stack.js'
import { TurnCork } from '../turn-cork.js'
import { LengthPrefixParser } from './length-prefix-parser.js'
import { outSlab, SLAB_FRAME_MAX } from './out-slab.js'

const kConn = Symbol('tessera.tcpConnection')
type Tagged = Socket & { [kConn]?: TcpConnection }

/** Up to this many body bytes a plain loop copies faster than Buffer.set() (~2 ns a byte vs ~25 ns a call). */
const COPY_LOOP_MAX = 16

/**
 * The connection whose read is being parsed: frames it sends meanwhile are
 * encoded into {@link outSlab} and leave together when the read is done.
 * At most one at a time (reads are dispatched one after another); a read
 * parsed while another one is (never seen, but cheap to allow) corks instead.
 */
let batching: TcpConnection | null = null

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
  /** While `batching === this`: where this read's frames start in the slab. */
  private batchFrom = 0
  /** Bytes read since {@link end} (thrown away unparsed), or -1 while open. */
  discarded = -1
  /** The socket is corked until the end of this loop turn (see turn-cork.ts). */
  private readonly turn: TurnCork

  constructor(socket: Socket, stack: string, maxFrameBytes: number) {
    super(maxFrameBytes)
    this.turn = new TurnCork(socket)
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
    if (this.closed || this.halted) return
    // Frames batched before this one go first.
    if (batching === this) this.flushBatch()
    frame.writeUInt32BE(frame.length - 4, 0)
    // Outside this connection's own read: the frames of this turn leave together.
    this.turn.cork()
    this.socket.write(frame)
  }

  flush(): boolean {
    return this.turn.flush()
  }

  writeFrame(flags: number, msgId: number, reqId: number, body: Uint8Array, bodyLength: number): void {
    if (this.closed || this.halted) return
    const n = 4 + HEADER_BYTES + bodyLength
    if (batching !== this || n > SLAB_FRAME_MAX) {
      this.write(encodeFrame(4, flags, msgId, reqId, body, bodyLength))
      return
    }
    const slab = outSlab
    this.makeRoom(n)
    const buf = slab.buf
    const at = slab.pos
    writeHead(buf, at, n, flags, msgId, reqId)
    const b = at + 4 + HEADER_BYTES
    if (bodyLength <= COPY_LOOP_MAX) for (let i = 0; i < bodyLength; i++) buf[b + i] = body[i]!
    else buf.set(bodyLength === body.length ? body : body.subarray(0, bodyLength), b)
    slab.pos = at + n
  }

  writeMessage<T>(
    flags: number,
    msgId: number,
    reqId: number,
    type: MessageType<T>,
    message: T,
    maxBytes: number,
  ): number {
    if (batching !== this || this.closed || this.halted) return -1
    const slab = outSlab
    // Room for at least a small message; a bigger one that does not fit falls back.
    this.makeRoom(4 + HEADER_BYTES + 64)
    const at = slab.pos
    const buf = slab.buf
    // Encoded up to the slab's end; a frame past the caller's cap or the slab
    // frame limit is abandoned (slab.pos unmoved: its bytes are overwritten later).
    const end = type.encodeInto(message, buf, at + 4 + HEADER_BYTES)
    if (end < 0 || end - at > maxBytes || end - at > SLAB_FRAME_MAX) return -1
    writeHead(buf, at, end - at, flags, msgId, reqId)
    slab.pos = end
    return end - at
  }

  bufferedBytes(): number {
    const w = this.socket.writableLength
    return batching === this ? w + outSlab.pos - this.batchFrom : w
  }

  /** @internal a read starts: frames sent until {@link endBatch} share one write. */
  beginBatch(): void {
    batching = this
    this.batchFrom = outSlab.pos
  }

  /** @internal the read is parsed: send its frames (or drop them if the connection died meanwhile). */
  endBatch(): void {
    if (batching !== this) return
    if (this.closed || this.halted) outSlab.pos = this.batchFrom
    else this.flushBatch()
    batching = null
  }

  /** Make `n` free bytes at the slab's end: flush this batch and start a new slab if they are not there. */
  private makeRoom(n: number): void {
    const slab = outSlab
    if (slab.pos + n <= slab.buf.length) return
    this.flushBatch()
    if (slab.pos + n > slab.buf.length) {
      slab.renew()
      this.batchFrom = 0
    }
  }

  /** Hand the frames batched so far to the socket, in one write. */
  private flushBatch(): void {
    const slab = outSlab
    if (slab.pos > this.batchFrom) {
      const n = slab.pos - this.batchFrom
      if (this.socket.writableLength === 0) {
        // Usually written at once: a plain view (cheaper than Buffer.subarray(); write() takes any Uint8Array).
        this.socket.write(new Uint8Array(slab.ab, this.batchFrom, n))
      } else {
        // The socket is backed up: the bytes would wait, so they get their own
        // buffer rather than keep the shared slab alive.
        const own = Buffer.allocUnsafeSlow(n)
        own.set(new Uint8Array(slab.ab, this.batchFrom, n))
        this.socket.write(own)
      }
      slab.seal()
    }
    this.batchFrom = slab.pos
  }

  pause(): void {
    this.socket.pause()
  }

  resume(): void {
    this.socket.resume()
  }

  end(): void {
    if (this.closed) return
    if (batching === this && !this.halted) this.flushBatch()
    this.turn.flush()
    this.socket.end()
    // Nothing read from now on matters: stop parsing (the rest of this read
    // included) and let onData throw bytes away, up to a budget.
    this.halted = true
    if (this.discarded < 0) this.discarded = 0
  }

  /** @internal a read after end(): dropped unparsed; a peer that keeps writing is cut. */
  discard(n: number): void {
    this.discarded += n
    if (this.discarded > CLOSING_DISCARD_BYTES) this.socket.destroy()
  }

  destroy(err?: TesseraError): void {
    if (err && this.error === null) this.error = err
    this.halted = true
    // What this turn wrote is handed to the kernel first, as an uncorked write would have been.
    this.turn.flush()
    this.socket.destroy()
  }

  protected emitFrame(buf: Uint8Array, start: number, end: number): void {
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

/** The 4-byte length prefix and the frame header of a frame of `size` bytes (prefix included) at `at`. */
function writeHead(
  buf: Uint8Array,
  at: number,
  size: number,
  flags: number,
  msgId: number,
  reqId: number,
): void {
  const len = size - 4
  buf[at] = len >>> 24
  buf[at + 1] = (len >>> 16) & 0xff
  buf[at + 2] = (len >>> 8) & 0xff
  buf[at + 3] = len & 0xff
  writeHeader(buf, at + 4, flags, msgId, reqId)
}

function onData(this: Tagged, chunk: Buffer): void {
  const c = this[kConn]!
  if (c.discarded >= 0) {
    c.discard(chunk.length)
    return
  }
  let err: TesseraError | null
  // One plain view per read: frames are ranges of it, and the protobuf
  // decoders read a plain Uint8Array much faster than a Node Buffer.
  const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)
  if (batching === null) {
    // Replies written while this chunk is parsed leave as one buffer.
    c.beginBatch()
    try {
      err = c.push(bytes)
    } finally {
      c.endBatch()
    }
  } else {
    this.cork()
    err = c.push(bytes)
    this.uncork()
  }
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
