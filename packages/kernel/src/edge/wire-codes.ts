import { type ErrorReply, KickReason, WireError } from '@tessera/wire'
import type { TesseraError } from '../errors/index.js'

// How kernel error codes appear to a client: the WireError of an ErrorReply
// and the KickReason of a Kick (enums of proto/tessera/control.proto).

const byCode: Record<string, WireError> = {
  EDGE_HANDSHAKE_REQUIRED: WireError.WIRE_HANDSHAKE_REQUIRED,
  EDGE_VERSION_MISMATCH: WireError.WIRE_VERSION_MISMATCH,
  EDGE_SCHEMA_MISMATCH: WireError.WIRE_SCHEMA_MISMATCH,
  EDGE_BAD_TOKEN: WireError.WIRE_BAD_TOKEN,
  EDGE_RESUME_REFUSED: WireError.WIRE_RESUME_REFUSED,
  EDGE_NEGOTIATION_FAILED: WireError.WIRE_NEGOTIATION_FAILED,
  EDGE_INBOUND_OVERFLOW: WireError.WIRE_RATE_LIMITED,
  EDGE_HANDLER_TIMEOUT: WireError.WIRE_TIMEOUT,
  NET_UNKNOWN_MESSAGE: WireError.WIRE_UNKNOWN_MESSAGE,
  NET_RATE_LIMITED: WireError.WIRE_RATE_LIMITED,
  CODEC_UNKNOWN_MESSAGE: WireError.WIRE_UNKNOWN_MESSAGE,
  CODEC_BAD_BODY: WireError.WIRE_BAD_BODY,
  CODEC_INFLATE_TOO_LARGE: WireError.WIRE_BAD_BODY,
  CODEC_INFLATE_FAILED: WireError.WIRE_BAD_BODY,
  CODEC_DECRYPT_FAILED: WireError.WIRE_BAD_BODY,
  CODEC_REPLAY: WireError.WIRE_BAD_BODY,
  CODEC_PLAINTEXT_REFUSED: WireError.WIRE_BAD_BODY,
  CODEC_KEY_EXCHANGE_FAILED: WireError.WIRE_NEGOTIATION_FAILED,
}

const wireNames = Object.fromEntries(Object.entries(WireError).map(([k, v]) => [v, k])) as Record<
  number,
  string
>

export function wireName(code: number): string {
  return wireNames[code] ?? 'WIRE_UNSPECIFIED'
}

/**
 * The ErrorReply a client gets for an error. Platform codes map to their
 * WireError with the WireError name; any other TesseraError is a game-level
 * refusal (WIRE_REJECTED) that keeps its own code as the name. Messages of
 * non-TesseraErrors never leave the server.
 */
export function toErrorReply(err: TesseraError | null, fallbackMessage = 'internal error'): ErrorReply {
  if (err === null) return { code: WireError.WIRE_INTERNAL, name: 'WIRE_INTERNAL', message: fallbackMessage }
  const mapped = byCode[err.code]
  if (mapped !== undefined) return { code: mapped, name: wireName(mapped), message: err.message }
  if (err.code.startsWith('NET_') || err.code.startsWith('EDGE_') || err.code.startsWith('CODEC_'))
    return { code: WireError.WIRE_INTERNAL, name: 'WIRE_INTERNAL', message: err.message }
  return { code: WireError.WIRE_REJECTED, name: err.code, message: err.message }
}

/** KickReason for a session close reason. */
export function kickReasonFor(code: string): KickReason {
  switch (code) {
    case 'NET_OUTBOUND_OVERFLOW':
    case 'EDGE_RESUME_BUFFER_FULL':
      return KickReason.KICK_SLOW_CONSUMER
    case 'NET_RATE_LIMITED':
      return KickReason.KICK_FLOOD
    case 'NET_IDLE_TIMEOUT':
      return KickReason.KICK_IDLE
    case 'NET_SERVER_CLOSING':
      return KickReason.KICK_SHUTDOWN
    case 'EDGE_PROTOCOL_VIOLATION':
    case 'NET_TOO_MANY_ERRORS':
      return KickReason.KICK_PROTOCOL
    default:
      return KickReason.KICK_ADMIN
  }
}
