import { NetBadHeader } from './errors.js'

/** Bytes in the fixed frame header that precedes every body. */
export const HEADER_BYTES = 10

/** Bits of header byte 0. Bits 5-7 are reserved and must be 0. */
export const FrameFlag = {
  COMPRESSED: 0x01,
  ENCRYPTED: 0x02,
  RESPONSE: 0x04,
  ERROR: 0x08,
  /** Control lane: overtakes queued outbound traffic. */
  PRIORITY: 0x10,
} as const
export type FrameFlag = (typeof FrameFlag)[keyof typeof FrameFlag]

const RESERVED_FLAG_BITS = 0xe0

/** Largest message id; ids 1..999 are control messages handled by the net layer. */
export const MAX_CONTROL_MSG_ID = 999

export interface FrameHeader {
  flags: number
  msgId: number
  reqId: number
}

/** A decoded inbound frame. `body` may be a view into a socket chunk: copy it to keep it past the call. */
export interface Frame extends FrameHeader {
  body: Uint8Array
}

/**
 * Write the 10-byte header at `offset`:
 * byte 0 flags, byte 1 reserved (0), bytes 2-5 msgId u32 BE, bytes 6-9 reqId u32 BE.
 */
export function writeHeader(
  target: Uint8Array,
  offset: number,
  flags: number,
  msgId: number,
  reqId: number,
): void {
  target[offset] = flags
  target[offset + 1] = 0
  target[offset + 2] = msgId >>> 24
  target[offset + 3] = (msgId >>> 16) & 0xff
  target[offset + 4] = (msgId >>> 8) & 0xff
  target[offset + 5] = msgId & 0xff
  target[offset + 6] = reqId >>> 24
  target[offset + 7] = (reqId >>> 16) & 0xff
  target[offset + 8] = (reqId >>> 8) & 0xff
  target[offset + 9] = reqId & 0xff
}

/** Throw unless the header fields are encodable. */
export function checkHeader(flags: number, msgId: number, reqId: number): void {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff || (flags & RESERVED_FLAG_BITS) !== 0)
    throw new NetBadHeader(`flags ${flags} use reserved bits`)
  if (!Number.isInteger(msgId) || msgId < 1 || msgId > 0xffffffff)
    throw new NetBadHeader(`msgId ${msgId} out of range`)
  if (!Number.isInteger(reqId) || reqId < 0 || reqId > 0xffffffff)
    throw new NetBadHeader(`reqId ${reqId} out of range`)
}

/**
 * Allocate `prefix + 10 + body.length` bytes, leave `prefix` bytes for the
 * stack (TCP writes its length there) and fill header and body: one
 * allocation and one copy per outbound frame.
 */
export function encodeFrame(
  prefix: number,
  flags: number,
  msgId: number,
  reqId: number,
  body: Uint8Array,
): Buffer {
  const out = Buffer.allocUnsafe(prefix + HEADER_BYTES + body.length)
  writeHeader(out, prefix, flags, msgId, reqId)
  out.set(body, prefix + HEADER_BYTES)
  return out
}

/**
 * Decode the frame at `buf[start, end)` (no stack prefix): header fields plus a body view.
 * Throws NET_BAD_HEADER on a short frame, reserved bits or msgId 0.
 */
export function decodeFrame(buf: Uint8Array, start = 0, end = buf.length): Frame {
  if (end - start < HEADER_BYTES)
    throw new NetBadHeader(`frame of ${end - start} bytes is shorter than the header`)
  const flags = buf[start]!
  if ((flags & RESERVED_FLAG_BITS) !== 0)
    throw new NetBadHeader(`reserved flag bits set (0x${flags.toString(16)})`)
  if (buf[start + 1] !== 0) throw new NetBadHeader('reserved byte 1 is not 0')
  const msgId =
    ((buf[start + 2]! << 24) | (buf[start + 3]! << 16) | (buf[start + 4]! << 8) | buf[start + 5]!) >>> 0
  if (msgId === 0) throw new NetBadHeader('msgId 0')
  const reqId =
    ((buf[start + 6]! << 24) | (buf[start + 7]! << 16) | (buf[start + 8]! << 8) | buf[start + 9]!) >>> 0
  return { flags, msgId, reqId, body: buf.subarray(start + HEADER_BYTES, end) }
}
