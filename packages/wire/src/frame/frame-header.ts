// The 10-byte frame header every Tessera frame starts with, shared by the
// server (kernel net/) and the client SDK: one definition of the layout,
// the flag bits and the message id ranges (docs/protocol.md, "Frames").

/** Bytes in the fixed frame header that precedes every body. */
export const HEADER_BYTES = 10

/** Bits of header byte 0. Bits 5-7 are reserved and must be 0. */
export const FrameFlag = {
  /** Body is deflate-raw compressed (applied before encryption). */
  COMPRESSED: 0x01,
  /** Body is sealed with the session cipher; the header is its associated data. */
  ENCRYPTED: 0x02,
  /** An answer to the request with the same reqId. */
  RESPONSE: 0x04,
  /** Body is an ErrorReply whatever the msgId (with RESPONSE: the request failed). */
  ERROR: 0x08,
  /** Control lane: overtakes queued outbound traffic. */
  PRIORITY: 0x10,
} as const
export type FrameFlag = (typeof FrameFlag)[keyof typeof FrameFlag]

/** Flag bits no frame may set. */
export const RESERVED_FLAG_BITS = 0xe0

/**
 * First message id of game messages. Ids below it are platform control
 * messages (package `tessera` in proto/): never sequenced, never compressed
 * or encrypted, handled by the platform itself.
 */
export const FIRST_GAME_MSG_ID = 1000

/** Largest platform control message id. */
export const MAX_CONTROL_MSG_ID = FIRST_GAME_MSG_ID - 1

/** True for a game message id (sequenced, may be compressed and encrypted). */
export function isGameMsgId(msgId: number): boolean {
  return msgId >= FIRST_GAME_MSG_ID
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

/** Big-endian u32 at `at`. */
export function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0
}

/**
 * Why the bytes at `buf[start, end)` cannot be a frame (short, reserved
 * bits or byte, msgId 0), or null when the header is valid. The server
 * throws the reason as NET_BAD_HEADER; the SDK drops the connection.
 */
export function headerProblem(buf: Uint8Array, start: number, end: number): string | null {
  if (end - start < HEADER_BYTES) return `frame of ${end - start} bytes is shorter than the header`
  const flags = buf[start]!
  if ((flags & RESERVED_FLAG_BITS) !== 0) return `reserved flag bits set (0x${flags.toString(16)})`
  if (buf[start + 1] !== 0) return 'reserved byte 1 is not 0'
  if (readU32(buf, start + 2) === 0) return 'msgId 0'
  return null
}

/** Why these header fields cannot be encoded, or null when they can. */
export function headerFieldsProblem(flags: number, msgId: number, reqId: number): string | null {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff || (flags & RESERVED_FLAG_BITS) !== 0)
    return `flags ${flags} use reserved bits`
  if (!Number.isInteger(msgId) || msgId < 1 || msgId > 0xffffffff) return `msgId ${msgId} out of range`
  if (!Number.isInteger(reqId) || reqId < 0 || reqId > 0xffffffff) return `reqId ${reqId} out of range`
  return null
}

/**
 * The header as the 10 bytes it is on the wire (no body): the associated
 * data of an encrypted frame's cipher.
 */
export function headerBytes(flags: number, msgId: number, reqId: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES)
  writeHeader(out, 0, flags, msgId, reqId)
  return out
}
