// Wire helpers the generated codecs call. protobufjs's Reader and Writer do
// the bulk of the work; these add what it lacks for us: 64-bit integers as
// bigint (never a JS number, see docs/protocol.md), a nesting-depth cap and
// a strict unknown-field skipper.
import pb from 'protobufjs/minimal.js'

export type Reader = pb.Reader
export type Writer = pb.Writer

/**
 * Deepest message nesting a decoder accepts (protoc's own limit is 100).
 * Keeps a hostile body of nested length prefixes from exhausting the stack.
 */
export const MAX_DEPTH = 64

/** Thrown by generated decoders and encoders; the kernel codec maps it to a CODEC_ error. */
export class ProtoWireError extends Error {
  override readonly name = 'ProtoWireError'
}

export function newReader(bytes: Uint8Array): Reader {
  return pb.Reader.create(bytes)
}

export function newWriter(): Writer {
  return pb.Writer.create()
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
  const view = r.bytes()
  return view.length === 0 ? EMPTY_BYTES : new Uint8Array(view)
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

/** A Long-like pair protobufjs's writer accepts for values past 2^53. */
function longLike(u: bigint): { low: number; high: number; unsigned: boolean } {
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned: false }
}

// Values within ±2^53 (every snowflake for the next ~140 years, every
// timestamp) take the number path: no bigint arithmetic, no allocation.

export function writeInt64(w: Writer, v: bigint): void {
  if (v <= SAFE && v >= -SAFE) w.int64(Number(v))
  else w.int64(longLike(BigInt.asUintN(64, v)) as unknown as number)
}

export function writeUint64(w: Writer, v: bigint): void {
  if (v <= SAFE && v >= 0n) w.uint64(Number(v))
  else w.uint64(longLike(BigInt.asUintN(64, v)) as unknown as number)
}

export function writeSint64(w: Writer, v: bigint): void {
  if (v <= SAFE && v >= -SAFE) w.sint64(Number(v))
  else w.sint64(longLike(BigInt.asUintN(64, v)) as unknown as number)
}

export function writeFixed64(w: Writer, v: bigint): void {
  if (v <= SAFE && v >= 0n) w.fixed64(Number(v))
  else w.fixed64(longLike(BigInt.asUintN(64, v)) as unknown as number)
}

export function writeSfixed64(w: Writer, v: bigint): void {
  if (v <= SAFE && v >= -SAFE) w.sfixed64(Number(v))
  else w.sfixed64(longLike(BigInt.asUintN(64, v)) as unknown as number)
}
