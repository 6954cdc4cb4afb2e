import { copyOut } from './copy-out.js'
import { f32, f32b, f64, f64b, LE } from './float-scratch.js'

// Protobuf wire writer: the protobufjs Writer methods the generated encoders
// call, writing straight into one growable byte array instead of building a
// linked list of operations and replaying it in finish().
//
// Nested messages: fork() reserves one byte for the length and remembers
// where; ldelim() writes the length there and, only when it needs more than
// one byte (a body of 128 bytes or more), shifts the body right once.

const INITIAL_SIZE = 256
/** A UTF-16 code unit takes at most 3 UTF-8 bytes (a surrogate pair: 4 bytes for 2 units). */
const MAX_UTF8_PER_UNIT = 3
/** Strings up to this many code units fit any encoding in 127 bytes: a one-byte length. */
const SHORT_STRING = 42

const utf8Encoder = new TextEncoder()

/** Thrown by a writer over an external target that ran out of room (see {@link Writer.over}). */
export const WRITER_OVERFLOW: unique symbol = Symbol('tessera.writerOverflow')

/** Up to this many bytes a plain loop copies faster than TypedArray.set() (~2 ns a byte vs ~25 ns a call here). */
const COPY_LOOP_MAX = 16

/** A spare writer larger than this is dropped rather than kept for reuse. */
const MAX_SPARE_SIZE = 64 * 1024

/**
 * One finished writer kept for the next encode, so a top-level encode
 * allocates no scratch array. Encodes are synchronous and every generated
 * encode ends in finish(), which hands the writer back; takeWriter() takes
 * it out first, so two encodes never share one (an encode that throws just
 * leaves no spare until the next one finishes).
 */
let spare: Writer | undefined

/** A reset writer: the spare one if free, else a new one. Never use a writer after its finish(). */
export function takeWriter(): Writer {
  const w = spare
  if (w === undefined) return new Writer()
  spare = undefined
  return w.reset()
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5
}

export class Writer {
  buf: Uint8Array
  pos = 0
  /** Start offsets of open fork()s (the reserved length byte), `depth` of them in use. */
  private readonly forks: number[] = []
  private depth = 0
  /** True while writing into a caller's buffer, which must not be replaced: running out throws {@link WRITER_OVERFLOW}. */
  private external = false

  constructor(size = INITIAL_SIZE) {
    this.buf = new Uint8Array(size)
  }

  /** Forget everything written: the next write starts at offset 0. */
  reset(): this {
    // Stale entries past `depth` are harmless; truncating an array is a slow runtime call.
    this.pos = 0
    this.depth = 0
    return this
  }

  /**
   * Point this writer at `target` from `offset` on (the caller's buffer,
   * e.g. an outbound frame). Writing past `target.length` throws
   * {@link WRITER_OVERFLOW} instead of growing; what was written stays in
   * `target[offset, pos)`.
   */
  over(target: Uint8Array, offset: number): this {
    this.buf = target
    this.pos = offset
    this.depth = 0
    this.external = true
    return this
  }

  private grow(need: number): void {
    if (this.external) throw WRITER_OVERFLOW
    let size = this.buf.length * 2
    while (size < this.pos + need) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
  }

  uint32(value: number): this {
    let v = value >>> 0
    if (this.pos + 5 > this.buf.length) this.grow(5)
    const buf = this.buf
    let pos = this.pos
    while (v > 127) {
      buf[pos++] = (v & 127) | 128
      v >>>= 7
    }
    buf[pos++] = v
    this.pos = pos
    return this
  }

  /** Negative values take 10 bytes (sign-extended to 64 bits), as the spec requires. */
  int32(value: number): this {
    const v = value | 0
    if (v >= 0) return this.uint32(v)
    return this.varint64(v >>> 0, 0xffffffff)
  }

  sint32(value: number): this {
    const v = value | 0
    return this.uint32((v << 1) ^ (v >> 31))
  }

  bool(value: boolean): this {
    if (this.pos + 1 > this.buf.length) this.grow(1)
    this.buf[this.pos++] = value ? 1 : 0
    return this
  }

  fixed32(value: number): this {
    if (this.pos + 4 > this.buf.length) this.grow(4)
    const v = value >>> 0
    const buf = this.buf
    const pos = this.pos
    buf[pos] = v & 255
    buf[pos + 1] = (v >>> 8) & 255
    buf[pos + 2] = (v >>> 16) & 255
    buf[pos + 3] = v >>> 24
    this.pos = pos + 4
    return this
  }

  sfixed32(value: number): this {
    return this.fixed32(value)
  }

  float(value: number): this {
    if (this.pos + 4 > this.buf.length) this.grow(4)
    f32[0] = value
    return this.putLE(f32b, 4)
  }

  double(value: number): this {
    if (this.pos + 8 > this.buf.length) this.grow(8)
    f64[0] = value
    return this.putLE(f64b, 8)
  }

  /** The `n` bytes of a float scratch, in wire (little-endian) order; room already checked. */
  private putLE(bytes: Uint8Array, n: number): this {
    const buf = this.buf
    const pos = this.pos
    if (LE) for (let i = 0; i < n; i++) buf[pos + i] = bytes[i]!
    else for (let i = 0; i < n; i++) buf[pos + i] = bytes[n - 1 - i]!
    this.pos = pos + n
    return this
  }

  /** A 64-bit varint from its unsigned 32-bit halves. */
  varint64(lo: number, hi: number): this {
    if (this.pos + 10 > this.buf.length) this.grow(10)
    const buf = this.buf
    let pos = this.pos
    while (hi !== 0) {
      buf[pos++] = (lo & 127) | 128
      lo = ((lo >>> 7) | (hi << 25)) >>> 0
      hi >>>= 7
    }
    while (lo > 127) {
      buf[pos++] = (lo & 127) | 128
      lo >>>= 7
    }
    buf[pos++] = lo
    this.pos = pos
    return this
  }

  /** Fixed 64 bits, little-endian, from unsigned 32-bit halves. */
  fixed64(lo: number, hi: number): this {
    return this.fixed32(lo).fixed32(hi)
  }

  bytes(value: Uint8Array): this {
    const n = value.length
    this.uint32(n)
    if (n === 0) return this
    if (this.pos + n > this.buf.length) this.grow(n)
    if (n <= COPY_LOOP_MAX) {
      const buf = this.buf
      const pos = this.pos
      for (let i = 0; i < n; i++) buf[pos + i] = value[i]!
    } else {
      this.buf.set(value, this.pos)
    }
    this.pos += n
    return this
  }

  /** UTF-8 with its length prefix; a lone surrogate becomes U+FFFD (EF BF BD), as TextEncoder does. */
  string(value: string): this {
    const units = value.length
    if (units === 0) return this.uint32(0)
    if (units > SHORT_STRING) return this.longString(value)
    if (this.pos + 1 + units * MAX_UTF8_PER_UNIT > this.buf.length) this.grow(1 + units * MAX_UTF8_PER_UNIT)
    const buf = this.buf
    const lenAt = this.pos
    let pos = lenAt + 1
    for (let i = 0; i < units; i++) {
      let c = value.charCodeAt(i)
      if (c < 0x80) {
        buf[pos++] = c
      } else if (c < 0x800) {
        buf[pos++] = (c >> 6) | 0xc0
        buf[pos++] = (c & 63) | 0x80
      } else {
        if ((c & 0xf800) === 0xd800) {
          const c2 = i + 1 < units ? value.charCodeAt(i + 1) : 0
          if (c < 0xdc00 && (c2 & 0xfc00) === 0xdc00) {
            c = 0x10000 + ((c & 0x3ff) << 10) + (c2 & 0x3ff)
            i++
            buf[pos++] = (c >> 18) | 0xf0
            buf[pos++] = ((c >> 12) & 63) | 0x80
            buf[pos++] = ((c >> 6) & 63) | 0x80
            buf[pos++] = (c & 63) | 0x80
            continue
          }
          c = 0xfffd
        }
        buf[pos++] = (c >> 12) | 0xe0
        buf[pos++] = ((c >> 6) & 63) | 0x80
        buf[pos++] = (c & 63) | 0x80
      }
    }
    buf[lenAt] = pos - lenAt - 1
    this.pos = pos
    return this
  }

  private longString(value: string): this {
    const max = value.length * MAX_UTF8_PER_UNIT
    const reserved = varintSize(max)
    if (this.pos + reserved + max > this.buf.length) this.grow(reserved + max)
    const lenAt = this.pos
    const { written } = utf8Encoder.encodeInto(value, this.buf.subarray(lenAt + reserved))
    const need = varintSize(written)
    if (need < reserved) this.buf.copyWithin(lenAt + need, lenAt + reserved, lenAt + reserved + written)
    this.pos = lenAt
    this.uint32(written)
    this.pos += written
    return this
  }

  /** Start a length-delimited body; ldelim() closes it. */
  fork(): this {
    if (this.pos + 1 > this.buf.length) this.grow(1)
    this.forks[this.depth++] = this.pos
    this.pos++
    return this
  }

  /** Close the innermost fork(): write the body's length in front of it. */
  ldelim(): this {
    if (this.depth === 0) throw new Error('ldelim() without fork()')
    const at = this.forks[--this.depth]!
    const n = this.pos - at - 1
    if (n < 128) {
      this.buf[at] = n
      return this
    }
    const extra = varintSize(n) - 1
    if (this.pos + extra > this.buf.length) this.grow(extra)
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos)
    const end = this.pos + extra
    this.pos = at
    this.uint32(n)
    this.pos = end
    return this
  }

  /**
   * Hand the writer back for reuse without copying its bytes out: for a
   * caller that consumed `buf[0, pos)` in place (a session copying them
   * straight into an outbound frame). Never use the writer afterwards.
   */
  release(): void {
    this.reset()
    if (this.buf.length <= MAX_SPARE_SIZE) spare = this
  }

  /** A copy of exactly the bytes written. Ends this writer's use: it goes back for reuse by takeWriter(). */
  finish(): Uint8Array {
    const out = copyOut(this.buf, 0, this.pos)
    this.reset()
    if (this.buf.length <= MAX_SPARE_SIZE) spare = this
    return out
  }
}

/** The writer external encodes use: one per process, encodes being synchronous. */
const externalWriter = new Writer(0)

/**
 * Run `write` with a writer over `target[offset…]`. Returns the end offset,
 * or -1 when the message did not fit (nothing else is touched; the bytes
 * written into `target` before running out are garbage to the caller).
 */
export function encodeInto<T>(
  write: (m: T, w: Writer, depth: number) => void,
  message: T,
  target: Uint8Array,
  offset: number,
): number {
  const w = externalWriter.over(target, offset)
  try {
    write(message, w, 0)
    return w.pos
  } catch (err) {
    if (err === WRITER_OVERFLOW) return -1
    throw err
  } finally {
    w.buf = EMPTY
  }
}

const EMPTY = new Uint8Array(0)
