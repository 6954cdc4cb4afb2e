import { f32, f32b, f64, f64b, LE } from './float-scratch.js'
import { ProtoWireError } from './wire-error.js'

// Protobuf wire reader over one Uint8Array: the method names and semantics
// of protobufjs's Reader that the generated decoders call, without its
// per-call indirections (Buffer detection, Long, a generic UTF-8 path).
// Every read is bounds-checked against `len` and fails with ProtoWireError.

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true })

/** Up to this many bytes a manual UTF-8 loop beats a TextDecoder call. */
const SHORT_STRING_MAX = 48

/**
 * Well-formed UTF-8 decoded by hand; at the first ill-formed sequence the
 * rest goes to TextDecoder, so malformed input yields exactly its U+FFFD
 * replacements (what protobufjs returns too).
 */
function decodeShortUtf8(buf: Uint8Array, start: number, end: number): string {
  let s = ''
  let i = start
  while (i < end) {
    const c = buf[i]!
    if (c < 0x80) {
      s += String.fromCharCode(c)
      i++
      continue
    }
    if (c >= 0xc2 && c <= 0xdf && i + 1 < end) {
      const c1 = buf[i + 1]!
      if ((c1 & 0xc0) === 0x80) {
        s += String.fromCharCode(((c & 0x1f) << 6) | (c1 & 0x3f))
        i += 2
        continue
      }
    } else if (c >= 0xe0 && c <= 0xef && i + 2 < end) {
      const c1 = buf[i + 1]!
      const c2 = buf[i + 2]!
      const lo = c === 0xe0 ? 0xa0 : 0x80
      const hi = c === 0xed ? 0x9f : 0xbf
      if (c1 >= lo && c1 <= hi && (c2 & 0xc0) === 0x80) {
        s += String.fromCharCode(((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f))
        i += 3
        continue
      }
    } else if (c >= 0xf0 && c <= 0xf4 && i + 3 < end) {
      const c1 = buf[i + 1]!
      const c2 = buf[i + 2]!
      const c3 = buf[i + 3]!
      const lo = c === 0xf0 ? 0x90 : 0x80
      const hi = c === 0xf4 ? 0x8f : 0xbf
      if (c1 >= lo && c1 <= hi && (c2 & 0xc0) === 0x80 && (c3 & 0xc0) === 0x80) {
        const cp = (((c & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f)) - 0x10000
        s += String.fromCharCode(0xd800 | (cp >> 10), 0xdc00 | (cp & 0x3ff))
        i += 4
        continue
      }
    }
    return s + utf8Decoder.decode(buf.subarray(i, end))
  }
  return s
}

function truncated(r: Reader, need: number): ProtoWireError {
  return new ProtoWireError(
    `truncated input: ${need} byte(s) needed at offset ${r.pos}, ${r.len - r.pos} left`,
  )
}

export class Reader {
  pos: number
  /** End offset of the input (exclusive): `buf.length`, or the end of the range being read. */
  readonly len: number

  /** Read `buf[start, end)`: a whole body, or a frame's body inside a socket chunk (no view made). */
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start
    this.len = end
  }

  /** A varint as uint32; longer varints (a negative int32 takes 10 bytes) keep their low 32 bits. */
  uint32(): number {
    const buf = this.buf
    const pos = this.pos
    if (pos < this.len) {
      const b0 = buf[pos]!
      if (b0 < 128) {
        this.pos = pos + 1
        return b0
      }
      if (pos + 1 < this.len) {
        const b1 = buf[pos + 1]!
        if (b1 < 128) {
          this.pos = pos + 2
          return (b0 & 127) | (b1 << 7)
        }
      }
    }
    return this.varint32Slow()
  }

  private varint32Slow(): number {
    const buf = this.buf
    const len = this.len
    let pos = this.pos
    let value = 0
    for (let shift = 0; shift < 32; shift += 7) {
      if (pos >= len) throw truncated(this, 1)
      const b = buf[pos++]!
      value |= (b & 127) << shift
      if (b < 128) {
        this.pos = pos
        return value >>> 0
      }
    }
    // Bytes 6..10 only carry bits above 32: skip them.
    for (let i = 0; i < 5; i++) {
      if (pos >= len) throw truncated(this, 1)
      if (buf[pos++]! < 128) {
        this.pos = pos
        return value >>> 0
      }
    }
    throw new ProtoWireError(`varint longer than 10 bytes at offset ${this.pos}`)
  }

  /** A field tag: a varint of at most 5 bytes that fits in 32 bits. */
  tag(): number {
    const pos = this.pos
    if (pos < this.len) {
      const b0 = this.buf[pos]!
      if (b0 < 128) {
        this.pos = pos + 1
        return b0
      }
    }
    const v = this.varint32Slow()
    if (this.pos - pos > 5) throw new ProtoWireError(`invalid tag encoding at offset ${pos}`)
    return v
  }

  /** A length prefix: a varint below 2^31. */
  size(): number {
    const pos = this.pos
    const v = this.uint32()
    if (v > 0x7fffffff || this.pos - pos > 5) throw new ProtoWireError(`invalid length at offset ${pos}`)
    return v
  }

  int32(): number {
    return this.uint32() | 0
  }

  sint32(): number {
    const v = this.uint32()
    return ((v >>> 1) ^ -(v & 1)) | 0
  }

  bool(): boolean {
    const buf = this.buf
    let value = false
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.len) throw truncated(this, 1)
      const b = buf[this.pos++]!
      if (b & 127) value = true
      if (b < 128) return value
    }
    throw new ProtoWireError(`varint longer than 10 bytes at offset ${this.pos}`)
  }

  fixed32(): number {
    const pos = this.pos
    if (pos + 4 > this.len) throw truncated(this, 4)
    const buf = this.buf
    this.pos = pos + 4
    return (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0
  }

  sfixed32(): number {
    return this.fixed32() | 0
  }

  float(): number {
    const pos = this.pos
    if (pos + 4 > this.len) throw truncated(this, 4)
    const buf = this.buf
    this.pos = pos + 4
    if (!LE) return new DataView(buf.buffer, buf.byteOffset + pos, 4).getFloat32(0, true)
    for (let i = 0; i < 4; i++) f32b[i] = buf[pos + i]!
    return f32[0]!
  }

  double(): number {
    const pos = this.pos
    if (pos + 8 > this.len) throw truncated(this, 8)
    const buf = this.buf
    this.pos = pos + 8
    if (!LE) return new DataView(buf.buffer, buf.byteOffset + pos, 8).getFloat64(0, true)
    for (let i = 0; i < 8; i++) f64b[i] = buf[pos + i]!
    return f64[0]!
  }

  /** Length-prefixed bytes as a view into the input (readBytes copies them out). */
  bytes(): Uint8Array {
    const n = this.size()
    const start = this.pos
    if (start + n > this.len) throw truncated(this, n)
    this.pos = start + n
    return this.buf.subarray(start, start + n)
  }

  /** Length-prefixed UTF-8; malformed sequences decode to U+FFFD, as protobufjs does. */
  string(): string {
    const n = this.size()
    const start = this.pos
    const end = start + n
    if (end > this.len) throw truncated(this, n)
    this.pos = end
    if (n === 0) return ''
    return n <= SHORT_STRING_MAX
      ? decodeShortUtf8(this.buf, start, end)
      : utf8Decoder.decode(this.buf.subarray(start, end))
  }

  /** Skip `n` bytes, or one varint when `n` is omitted. */
  skip(n?: number): this {
    if (n === undefined) {
      const start = this.pos
      do {
        if (this.pos >= this.len) throw truncated(this, 1)
        if (this.pos - start >= 10) throw new ProtoWireError(`varint longer than 10 bytes at offset ${start}`)
      } while (this.buf[this.pos++]! & 128)
      return this
    }
    if (this.pos + n > this.len) throw truncated(this, n)
    this.pos += n
    return this
  }

  /**
   * Skip one field's value of wire type `wire`. A group (3) is skipped up to
   * its matching end tag; `depth` caps the nesting of groups within groups.
   */
  skipType(wire: number, depth = 0, fieldNumber?: number): this {
    switch (wire) {
      case 0:
        return this.skip()
      case 1:
        return this.skip(8)
      case 2:
        return this.skip(this.size())
      case 5:
        return this.skip(4)
      case 3:
        if (depth >= MAX_GROUP_DEPTH) throw new ProtoWireError(`group nesting deeper than ${MAX_GROUP_DEPTH}`)
        for (;;) {
          const tag = this.tag()
          const field = tag >>> 3
          const w = tag & 7
          if (field === 0) throw new ProtoWireError('field number 0')
          if (w === 4) {
            if (fieldNumber !== undefined && field !== fieldNumber) {
              throw new ProtoWireError(`end-group tag for field ${field} closes group ${fieldNumber}`)
            }
            return this
          }
          this.skipType(w, depth + 1, field)
        }
      default:
        throw new ProtoWireError(`invalid wire type ${wire} at offset ${this.pos}`)
    }
  }
}

/** Same cap as message nesting (wire.ts MAX_DEPTH); kept here to avoid an import cycle. */
const MAX_GROUP_DEPTH = 64
