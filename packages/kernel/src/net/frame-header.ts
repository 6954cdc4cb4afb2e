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
 * What a session needs of a message type to decode a frame's body in place
 * and to encode a message straight into an outbound frame. The generated
 * `MessageType` of @tessera/protocol fits it (structural, so the kernel does
 * not import the protocol package).
 */
export interface FrameMessageType<T> {
  /** Wire id, used by {@link Session.pushMessage}. */
  readonly msgId: number
  decodeRange(buf: Uint8Array, start: number, end: number): T
  /** Encoded bytes in `buf[0, pos)` of a scratch buffer, valid until `release()`. */
  encodeScratch(message: T): ScratchBytes
  /** Encode into `target` from `offset`; the end offset, or -1 when it does not fit. */
  encodeInto(message: T, target: Uint8Array, offset: number): number
}

export interface ScratchBytes {
  readonly buf: Uint8Array
  readonly pos: number
  release(): void
}

/**
 * An inbound frame as the net layer hands it out: header fields plus where
 * the body lies in the read chunk. The `body` view is made only when asked
 * for (a view costs about as much as the rest of the frame's bookkeeping);
 * {@link InboundFrame.decode} reads the body in place without one.
 */
export class InboundFrame implements Frame {
  private view: Uint8Array | null = null

  constructor(
    readonly flags: number,
    readonly msgId: number,
    readonly reqId: number,
    /** The bytes the frame lies in (valid during the call that delivered it). */
    readonly buf: Uint8Array,
    readonly bodyStart: number,
    readonly bodyEnd: number,
  ) {}

  /** The body as a view into the read chunk: copy it to keep it past the call. */
  get body(): Uint8Array {
    let v = this.view
    if (v === null) {
      // subarray(), not new Uint8Array(buf.buffer, …): reading `.buffer` is a
      // runtime call. The chunks the stacks hand over are plain Uint8Arrays,
      // so the view is one too.
      v = this.buf.subarray(this.bodyStart, this.bodyEnd)
      this.view = v
    }
    return v
  }

  /** Decode the body as `type` (throws its wire error on a malformed body). */
  decode<T>(type: Pick<FrameMessageType<T>, 'decodeRange'>): T {
    return type.decodeRange(this.buf, this.bodyStart, this.bodyEnd)
  }
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
  bodyLength = body.length,
): Buffer {
  const out = Buffer.allocUnsafe(prefix + HEADER_BYTES + bodyLength)
  writeHeader(out, prefix, flags, msgId, reqId)
  out.set(bodyLength === body.length ? body : body.subarray(0, bodyLength), prefix + HEADER_BYTES)
  return out
}

/**
 * Decode the frame at `buf[start, end)` (no stack prefix): header fields plus where the body lies.
 * Throws NET_BAD_HEADER on a short frame, reserved bits or msgId 0.
 */
export function decodeFrame(buf: Uint8Array, start = 0, end = buf.length): InboundFrame {
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
  return new InboundFrame(flags, msgId, reqId, buf, start + HEADER_BYTES, end)
}
