import { type ErrorReply, KickReason, WireError } from '@tessera/wire'
import {
  CodecBadBody,
  CodecDecryptFailed,
  CodecInflateFailed,
  CodecInflateTooLarge,
  CodecKeyExchangeFailed,
  CodecPlaintextRefused,
  CodecReplay,
  CodecUnknownMessage,
} from '../codec/index.js'
import { isClientVisible, TesseraError } from '../errors/index.js'
import {
  NetFrameTimeout,
  NetIdleTimeout,
  NetOutboundOverflow,
  NetRateLimited,
  NetServerClosing,
  NetTooManyErrors,
  NetUnknownMessage,
} from '../net/index.js'
import {
  EdgeBadToken,
  EdgeHandlerTimeout,
  EdgeHandshakeRequired,
  EdgeInboundOverflow,
  EdgeNegotiationFailed,
  EdgeNodeReplayFull,
  EdgeOverloaded,
  EdgeProtocolViolation,
  EdgeResumeBufferFull,
  EdgeResumeRefused,
  EdgeSchemaMismatch,
  EdgeSealRequired,
  EdgeVersionMismatch,
} from './errors.js'

// How kernel errors appear to a client: the WireError of an ErrorReply and
// the KickReason of a Kick (enums of proto/tessera/control.proto). The one
// policy (docs/errors.md): an error defined with `client: true` reaches the
// client with its code and message; anything else is internal and reaches
// it only as a generic WIRE_INTERNAL, its detail kept for the server's log.

const byCode = new Map<string, WireError>([
  [EdgeHandshakeRequired.code, WireError.WIRE_HANDSHAKE_REQUIRED],
  [EdgeVersionMismatch.code, WireError.WIRE_VERSION_MISMATCH],
  [EdgeSchemaMismatch.code, WireError.WIRE_SCHEMA_MISMATCH],
  [EdgeBadToken.code, WireError.WIRE_BAD_TOKEN],
  [EdgeResumeRefused.code, WireError.WIRE_RESUME_REFUSED],
  [EdgeNegotiationFailed.code, WireError.WIRE_NEGOTIATION_FAILED],
  [EdgeSealRequired.code, WireError.WIRE_SEAL_REQUIRED],
  [EdgeOverloaded.code, WireError.WIRE_OVERLOADED],
  [EdgeInboundOverflow.code, WireError.WIRE_RATE_LIMITED],
  [EdgeHandlerTimeout.code, WireError.WIRE_TIMEOUT],
  [NetUnknownMessage.code, WireError.WIRE_UNKNOWN_MESSAGE],
  [NetRateLimited.code, WireError.WIRE_RATE_LIMITED],
  [CodecUnknownMessage.code, WireError.WIRE_UNKNOWN_MESSAGE],
  [CodecBadBody.code, WireError.WIRE_BAD_BODY],
  [CodecInflateTooLarge.code, WireError.WIRE_BAD_BODY],
  [CodecInflateFailed.code, WireError.WIRE_BAD_BODY],
  [CodecDecryptFailed.code, WireError.WIRE_BAD_BODY],
  [CodecReplay.code, WireError.WIRE_BAD_BODY],
  [CodecPlaintextRefused.code, WireError.WIRE_BAD_BODY],
  [CodecKeyExchangeFailed.code, WireError.WIRE_NEGOTIATION_FAILED],
])

const wireNames = new Map<number, string>(Object.entries(WireError).map(([k, v]) => [v, k]))

export function wireName(code: number): string {
  return wireNames.get(code) ?? 'WIRE_UNSPECIFIED'
}

/** The text a client gets in place of an internal error's message. */
export const INTERNAL_MESSAGE = 'internal error'

/**
 * True when a client may not learn what `err` says: anything that is not a
 * TesseraError, and TesseraErrors not defined with `client: true` (a SQL
 * error wrapped by storage, INTERNAL_ERROR, a kernel fault). Such errors
 * reach the client as WIRE_INTERNAL and are logged in full by the caller.
 */
export function isInternalError(err: unknown): boolean {
  return !(err instanceof TesseraError) || !isClientVisible(err.code)
}

/**
 * The ErrorReply a client gets for an error. Client-visible platform codes
 * map to their WireError (named by it); any other client-visible
 * TesseraError is a game-level refusal (WIRE_REJECTED) that keeps its own
 * code as the name. Everything else is WIRE_INTERNAL with a fixed message:
 * no text, stack or code of an internal error leaves the server.
 */
export function toErrorReply(err: unknown): ErrorReply {
  if (isInternalError(err))
    return { code: WireError.WIRE_INTERNAL, name: 'WIRE_INTERNAL', message: INTERNAL_MESSAGE }
  const e = err as TesseraError
  const mapped = byCode.get(e.code)
  if (mapped !== undefined) return { code: mapped, name: wireName(mapped), message: e.message }
  return { code: WireError.WIRE_REJECTED, name: e.code, message: e.message }
}

/** The message a Kick carries for a close reason: its own when client-visible, else the generic one. */
export function kickMessage(reason: TesseraError): string {
  return isInternalError(reason) ? INTERNAL_MESSAGE : reason.message
}

const kickByCode = new Map<string, KickReason>([
  [NetOutboundOverflow.code, KickReason.KICK_SLOW_CONSUMER],
  [EdgeResumeBufferFull.code, KickReason.KICK_SLOW_CONSUMER],
  [EdgeNodeReplayFull.code, KickReason.KICK_SLOW_CONSUMER],
  [NetRateLimited.code, KickReason.KICK_FLOOD],
  [NetIdleTimeout.code, KickReason.KICK_IDLE],
  [NetFrameTimeout.code, KickReason.KICK_IDLE],
  [NetServerClosing.code, KickReason.KICK_SHUTDOWN],
  [EdgeProtocolViolation.code, KickReason.KICK_PROTOCOL],
  [NetTooManyErrors.code, KickReason.KICK_PROTOCOL],
])

/** KickReason for a session close reason (KICK_ADMIN for any other). */
export function kickReasonFor(code: string): KickReason {
  return kickByCode.get(code) ?? KickReason.KICK_ADMIN
}
