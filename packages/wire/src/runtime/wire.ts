// Wire helpers the generated codecs call, over our own Reader and Writer
// (reader.ts, writer.ts: protobufjs's method names, none of its overhead).
// These add 64-bit integers as bigint (never a JS number, see
// docs/protocol.md), a nesting-depth cap and a strict unknown-field skipper.
import { copyOut } from './copy-out.js'
import { Reader } from './reader.js'
import { ProtoWireError } from './wire-error.js'
import { takeWriter, type Writer } from './writer.js'

export { Reader } from './reader.js'
export { ProtoWireError } from './wire-error.js'
export { Writer } from './writer.js'

/**
 * Deepest message nesting a decoder accepts (protoc's own limit is 100).
 * Keeps a hostile body of nested length prefixes from exhausting the stack.
 */
export const MAX_DEPTH = 64

export function newReader(bytes: Uint8Array, start?: number, end?: number): Reader {
  return new Reader(bytes, start, end)
}

/** A reset writer, reused across top-level encodes: see takeWriter(). */
export function newWriter(): Writer {
  return takeWriter()
}

export function tooDeep(): ProtoWireError {
  return new ProtoWireError(`message nesting deeper than ${MAX_DEPTH}`)
}

/** Bounds of a length-delimited sub-message, checked against its parent's end. */
export function subEnd(r: Reader, end: number): number {
  const len = r.size()
  const e = r.pos + len
  if (e > end) throw new ProtoWireError(`length ${len} at offset ${r.pos} runs past its message`)
  return e
}

/** A decoder must stop exactly on its message's last byte. */
export function checkEnd(r: Reader, end: number): void {
  if (r.pos !== end) throw new ProtoWireError(`field at offset ${r.pos} runs past its message end ${end}`)
}

/** Skip a field this schema does not know (or a known field with an unexpected wire type). */
export function skipField(r: Reader, tag: number, depth: number): void {
  if (tag >>> 3 === 0) throw new ProtoWireError('field number 0')
  const wire = tag & 7
  if (wire === 4) throw new ProtoWireError('unexpected end-group tag')
  if (wire === 3) {
    if (depth >= MAX_DEPTH) throw tooDeep()
    r.skipType(3, depth, tag >>> 3)
    return
  }
  r.skipType(wire)
}

/**
 * Default of every `bytes` field. Shared: a zero-length array has nothing
 * to mutate, and allocating one per decode costs more than the whole decode
 * of a small message.
 */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0)

/** Bytes are copied out so a decoded message never aliases a pooled input buffer. */
export function readBytes(r: Reader): Uint8Array {
  const n = r.size()
  if (n === 0) return EMPTY_BYTES
  const start = r.pos
  if (start + n > r.len)
    throw new ProtoWireError(`bytes of length ${n} at offset ${start} run past the input`)
  r.pos = start + n
  // A plain Uint8Array even when the input is a Node Buffer.
  return copyOut(r.buf, start, n)
}

// ---- 64-bit integers as bigint -------------------------------------------

const TWO_32 = 4294967296
const SAFE = 9007199254740991n

function oob(r: Reader): ProtoWireError {
  return new ProtoWireError(`truncated varint at offset ${r.pos}`)
}

const UNSIGNED = 0
const SIGNED = 1
const ZIGZAG = 2

/** 64-bit halves (unsigned 32-bit numbers) to bigint, as the field type reads them. */
function toBigint(lo: number, hi: number, mode: number): bigint {
  if (mode === ZIGZAG) {
    const mask = -(lo & 1)
    lo = ((lo >>> 1) | (hi << 31)) ^ mask
    hi = (hi >>> 1) ^ mask
    lo >>>= 0
    hi >>>= 0
    mode = SIGNED
  }
  // Below 2^53 a double holds the value exactly and BigInt(number) is cheapest.
  if (hi < 0x200000) return BigInt(hi * TWO_32 + lo)
  const u = (BigInt(hi) << 32n) | BigInt(lo)
  return mode === UNSIGNED ? u : BigInt.asIntN(64, u)
}

function readVarint64(r: Reader, mode: number): bigint {
  const buf = r.buf
  const len = r.len
  let pos = r.pos
  let b = 0
  let lo = 0
  let hi = 0
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= len) throw oob(r)
    b = buf[pos++]!
    lo |= (b & 127) << shift
    if (b < 128) {
      r.pos = pos
      return toBigint(lo >>> 0, 0, mode)
    }
  }
  if (pos >= len) throw oob(r)
  b = buf[pos++]!
  lo = (lo | ((b & 15) << 28)) >>> 0
  hi = (b & 127) >> 4
  if (b < 128) {
    r.pos = pos
    return toBigint(lo, hi, mode)
  }
  for (let shift = 3; shift < 32; shift += 7) {
    if (pos >= len) throw oob(r)
    b = buf[pos++]!
    hi |= (b & 127) << shift
    if (b < 128) {
      r.pos = pos
      return toBigint(lo, hi >>> 0, mode)
    }
  }
  throw new ProtoWireError(`varint longer than 10 bytes at offset ${r.pos}`)
}

export function readUint64(r: Reader): bigint {
  return readVarint64(r, UNSIGNED)
}

export function readInt64(r: Reader): bigint {
  return readVarint64(r, SIGNED)
}

export function readSint64(r: Reader): bigint {
  return readVarint64(r, ZIGZAG)
}

function readFixed64Halves(r: Reader, mode: number): bigint {
  const pos = r.pos
  if (pos + 8 > r.len) throw new ProtoWireError(`truncated fixed64 at offset ${pos}`)
  const buf = r.buf
  const lo = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0
  const hi = (buf[pos + 4]! | (buf[pos + 5]! << 8) | (buf[pos + 6]! << 16) | (buf[pos + 7]! << 24)) >>> 0
  r.pos = pos + 8
  return toBigint(lo, hi, mode)
}

export function readFixed64(r: Reader): bigint {
  return readFixed64Halves(r, UNSIGNED)
}

export function readSfixed64(r: Reader): bigint {
  return readFixed64Halves(r, SIGNED)
}

// ---- writing: a bigint as two unsigned 32-bit halves ----------------------
// Values within ±2^53 (every snowflake for the next ~140 years, every
// timestamp) take the number path: no bigint arithmetic, no allocation.

// The halves go through a typed array: storing a number past 2^30 in a
// module-level `let` would allocate a heap number on every write.
const halves = new Uint32Array(2)

/** Two's-complement halves of `v` into halves[0] (low) and halves[1] (high). */
function split(v: bigint): void {
  if (v <= SAFE && v >= -SAFE) {
    const n = Number(v)
    if (n >= 0) {
      const lo = n >>> 0
      halves[0] = lo
      halves[1] = (n - lo) / TWO_32
    } else {
      const a = -n
      const l = a >>> 0
      const h = (a - l) / TWO_32
      const lo = (~l + 1) >>> 0
      halves[0] = lo
      halves[1] = ~h + (lo === 0 ? 1 : 0)
    }
    return
  }
  const u = BigInt.asUintN(64, v)
  halves[0] = Number(u & 0xffffffffn)
  halves[1] = Number(u >> 32n)
}

export function writeInt64(w: Writer, v: bigint): void {
  split(v)
  w.varint64(halves[0]!, halves[1]!)
}

export function writeUint64(w: Writer, v: bigint): void {
  split(v)
  w.varint64(halves[0]!, halves[1]!)
}

export function writeSint64(w: Writer, v: bigint): void {
  split(v)
  const lo = halves[0]!
  const hi = halves[1]!
  const mask = hi >> 31
  w.varint64(((lo << 1) ^ mask) >>> 0, (((hi << 1) | (lo >>> 31)) ^ mask) >>> 0)
}

export function writeFixed64(w: Writer, v: bigint): void {
  split(v)
  w.fixed64(halves[0]!, halves[1]!)
}

export function writeSfixed64(w: Writer, v: bigint): void {
  split(v)
  w.fixed64(halves[0]!, halves[1]!)
}
