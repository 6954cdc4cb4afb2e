// Frames as the SDK sends and reads them: the header layout and flag bits
// are @tessera/wire's, shared with the server.
import { HEADER_BYTES, headerProblem, readU32, writeHeader } from '@tessera/protocol/client'

export { FrameFlag, HEADER_BYTES } from '@tessera/protocol/client'

export interface ClientFrame {
  flags: number
  msgId: number
  reqId: number
  body: Uint8Array
}

export function encodeFrame(flags: number, msgId: number, reqId: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + body.length)
  writeHeader(out, 0, flags, msgId, reqId)
  out.set(body, HEADER_BYTES)
  return out
}

/** Null when the bytes cannot be a frame (short, reserved bits, msgId 0). */
export function decodeFrame(buf: Uint8Array): ClientFrame | null {
  if (headerProblem(buf, 0, buf.length) !== null) return null
  return { flags: buf[0]!, msgId: readU32(buf, 2), reqId: readU32(buf, 6), body: buf.subarray(HEADER_BYTES) }
}
