import type { TesseraError } from '../errors/index.js'

/**
 * Mirror of `tessera.WireError` and `tessera.KickReason` (proto/tessera/
 * control.proto). The kernel does not import the generated package (it
 * depends on the kernel); tests/ checks these values against it.
 */
export const Wire = {
  INTERNAL: 1,
  VERSION_MISMATCH: 2,
  SCHEMA_MISMATCH: 3,
  BAD_TOKEN: 4,
  RESUME_REFUSED: 5,
  NEGOTIATION_FAILED: 6,
  HANDSHAKE_REQUIRED: 7,
  UNKNOWN_MESSAGE: 8,
  BAD_BODY: 9,
  RATE_LIMITED: 10,
  TIMEOUT: 11,
  REJECTED: 12,
  UNAVAILABLE: 13,
} as const

export const Kick = {
  UNSPECIFIED: 0,
  REPLACED: 1,
  ADMIN: 2,
  SHUTDOWN: 3,
  SLOW_CONSUMER: 4,
  FLOOD: 5,
  IDLE: 6,
  PROTOCOL: 7,
  TOKEN_EXPIRED: 8,
} as const

const byCode: Record<string, number> = {
  EDGE_HANDSHAKE_REQUIRED: Wire.HANDSHAKE_REQUIRED,
  EDGE_VERSION_MISMATCH: Wire.VERSION_MISMATCH,
  EDGE_SCHEMA_MISMATCH: Wire.SCHEMA_MISMATCH,
  EDGE_BAD_TOKEN: Wire.BAD_TOKEN,
  EDGE_RESUME_REFUSED: Wire.RESUME_REFUSED,
  EDGE_NEGOTIATION_FAILED: Wire.NEGOTIATION_FAILED,
  EDGE_INBOUND_OVERFLOW: Wire.RATE_LIMITED,
  EDGE_HANDLER_TIMEOUT: Wire.TIMEOUT,
  NET_UNKNOWN_MESSAGE: Wire.UNKNOWN_MESSAGE,
  NET_RATE_LIMITED: Wire.RATE_LIMITED,
  CODEC_UNKNOWN_MESSAGE: Wire.UNKNOWN_MESSAGE,
  CODEC_BAD_BODY: Wire.BAD_BODY,
  CODEC_INFLATE_TOO_LARGE: Wire.BAD_BODY,
  CODEC_INFLATE_FAILED: Wire.BAD_BODY,
  CODEC_DECRYPT_FAILED: Wire.BAD_BODY,
  CODEC_REPLAY: Wire.BAD_BODY,
  CODEC_PLAINTEXT_REFUSED: Wire.BAD_BODY,
  CODEC_KEY_EXCHANGE_FAILED: Wire.NEGOTIATION_FAILED,
}

const wireNames = Object.fromEntries(Object.entries(Wire).map(([k, v]) => [v, `WIRE_${k}`])) as Record<
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
export function toErrorReply(
  err: TesseraError | null,
  fallbackMessage = 'internal error',
): { code: number; name: string; message: string } {
  if (err === null) return { code: Wire.INTERNAL, name: 'WIRE_INTERNAL', message: fallbackMessage }
  const mapped = byCode[err.code]
  if (mapped !== undefined) return { code: mapped, name: wireName(mapped), message: err.message }
  if (err.code.startsWith('NET_') || err.code.startsWith('EDGE_') || err.code.startsWith('CODEC_'))
    return { code: Wire.INTERNAL, name: 'WIRE_INTERNAL', message: err.message }
  return { code: Wire.REJECTED, name: err.code, message: err.message }
}

/** KickReason for a session close reason. */
export function kickReasonFor(code: string): number {
  switch (code) {
    case 'NET_OUTBOUND_OVERFLOW':
    case 'EDGE_RESUME_BUFFER_FULL':
      return Kick.SLOW_CONSUMER
    case 'NET_RATE_LIMITED':
      return Kick.FLOOD
    case 'NET_IDLE_TIMEOUT':
      return Kick.IDLE
    case 'NET_SERVER_CLOSING':
      return Kick.SHUTDOWN
    case 'EDGE_PROTOCOL_VIOLATION':
    case 'NET_TOO_MANY_ERRORS':
      return Kick.PROTOCOL
    default:
      return Kick.ADMIN
  }
}
