import { Heartbeat, Kick } from '@tessera/wire'

/**
 * Bodies of the control messages the net layer itself sends (heartbeat
 * replies, kicks, error replies). Client connections use the edge's codec
 * over the generated protobuf control messages (`edgeControlCodec`); links
 * between Tessera services, and servers without an edge, use
 * {@link textControlCodec}: the same message ids, with a `code\nmessage`
 * UTF-8 body that both ends decode with {@link decodeMinimalReason}.
 */
export interface ControlCodec {
  /** Message id of the heartbeat; a request is answered with an empty RESPONSE on the priority lane. */
  readonly heartbeatId: number
  /** Message id of the kick notice sent before the server closes a session. */
  readonly kickId: number
  encodeKick(code: string, message: string): Uint8Array
  /** Body of an ERROR-flagged response. */
  encodeError(code: string, message: string): Uint8Array
}

const EMPTY = new Uint8Array(0)
export const EMPTY_BODY: Uint8Array = EMPTY

const utf8 = (code: string, message: string): Uint8Array => Buffer.from(`${code}\n${message}`, 'utf8')

export const textControlCodec: ControlCodec = {
  heartbeatId: Heartbeat.msgId,
  kickId: Kick.msgId,
  encodeKick: utf8,
  encodeError: utf8,
}

/** Reverse of the minimal codec's `code\nmessage` body. */
export function decodeMinimalReason(body: Uint8Array): { code: string; message: string } {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
  const nl = text.indexOf('\n')
  return nl < 0 ? { code: text, message: '' } : { code: text.slice(0, nl), message: text.slice(nl + 1) }
}
