import {
  HEADER_BYTES,
  headerFieldsProblem,
  headerProblem,
  type MessageType,
  readU32,
  writeHeader,
} from '@tessera/wire'
import { NetBadHeader } from './errors.js'

// The header layout, flag bits and id ranges are @tessera/wire's (shared
// with the client SDK); this module adds what only the server does with
// them: typed errors, Node buffers and the lazily viewed inbound frame.
export { FrameFlag, HEADER_BYTES, MAX_CONTROL_MSG_ID, writeHeader } from '@tessera/wire'

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

  /** Decode the body as `type` in place, without a view (throws its wire error on a malformed body). */
  decode<T>(type: Pick<MessageType<T>, 'decodeRange'>): T {
    return type.decodeRange(this.buf, this.bodyStart, this.bodyEnd)
  }
}

/** Throw unless the header fields are encodable. */
export function checkHeader(flags: number, msgId: number, reqId: number): void {
  const problem = headerFieldsProblem(flags, msgId, reqId)
  if (problem !== null) throw new NetBadHeader(problem)
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
  const problem = headerProblem(buf, start, end)
  if (problem !== null) throw new NetBadHeader(problem)
  return new InboundFrame(
    buf[start]!,
    readU32(buf, start + 2),
    readU32(buf, start + 6),
    buf,
    start + HEADER_BYTES,
    end,
  )
}
