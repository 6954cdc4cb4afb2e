// The 10-byte frame header, as docs/protocol.md lays it out. The SDK keeps
// its own copy (the kernel's is Node-only) so a browser bundle stays small.

export const HEADER_BYTES = 10

/** Bits of header byte 0. */
export const FrameFlag = {
  COMPRESSED: 0x01,
  ENCRYPTED: 0x02,
  RESPONSE: 0x04,
  ERROR: 0x08,
  PRIORITY: 0x10,
} as const

/** Message ids below this are platform control messages (never sequenced). */
export const FIRST_GAME_MSG_ID = 1000

export interface ClientFrame {
  flags: number
  msgId: number
  reqId: number
  body: Uint8Array
}

export function encodeFrame(flags: number, msgId: number, reqId: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + body.length)
  out[0] = flags
  out[1] = 0
  const v = new DataView(out.buffer)
  v.setUint32(2, msgId)
  v.setUint32(6, reqId)
  out.set(body, HEADER_BYTES)
  return out
}

/** Null when the bytes cannot be a frame (short, reserved bits, msgId 0). */
export function decodeFrame(buf: Uint8Array): ClientFrame | null {
  if (buf.length < HEADER_BYTES || (buf[0]! & 0xe0) !== 0 || buf[1] !== 0) return null
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const msgId = v.getUint32(2)
  if (msgId === 0) return null
  return { flags: buf[0]!, msgId, reqId: v.getUint32(6), body: buf.subarray(HEADER_BYTES) }
}
