import { defineError } from '../errors/index.js'

// Edge errors: why a client handshake, resume or session ended. Each maps
// to a WireError the client sees (see wire-codes.ts).

export const EdgeHandshakeRequired = defineError<[string]>(
  'EDGE_HANDSHAKE_REQUIRED',
  'handshake required: %s',
  { client: true },
)
export const EdgeVersionMismatch = defineError<[string, string]>(
  'EDGE_VERSION_MISMATCH',
  'client version %s is older than the minimum %s this server accepts; update the client',
  { client: true },
)
export const EdgeSchemaMismatch = defineError<[string, string]>(
  'EDGE_SCHEMA_MISMATCH',
  'client message schema %s differs from the server schema %s; regenerate the client protocol code',
  { client: true },
)
export const EdgeBadToken = defineError<[string]>('EDGE_BAD_TOKEN', 'login token refused: %s', {
  client: true,
})
export const EdgeResumeRefused = defineError<[string]>('EDGE_RESUME_REFUSED', 'resume refused: %s', {
  client: true,
})
export const EdgeNegotiationFailed = defineError<[string]>(
  'EDGE_NEGOTIATION_FAILED',
  'negotiation failed: %s',
  { client: true },
)
export const EdgeSealRequired = defineError<[string]>(
  'EDGE_SEAL_REQUIRED',
  'this server requires every frame sealed (encryption with seal_all): %s',
  { client: true },
)
export const EdgeOverloaded = defineError<[string]>(
  'EDGE_OVERLOADED',
  '%s is over its memory threshold and takes no new sessions; log in again later',
  { client: true },
)
export const EdgeResumeBufferFull = defineError<[number, number]>(
  'EDGE_RESUME_BUFFER_FULL',
  'unacknowledged outbound messages hold %d bytes > max %d; session released',
  { client: true },
)
export const EdgeNodeReplayFull = defineError<[number, number]>(
  'EDGE_NODE_REPLAY_FULL',
  'this session holds %d unacknowledged bytes while the server as a whole is past its cap of %d; session released',
  { client: true },
)
export const EdgeGraceExpired = defineError<[number]>(
  'EDGE_GRACE_EXPIRED',
  'client did not resume within %d ms',
)
export const EdgeSessionReleased = defineError<[string]>(
  'EDGE_SESSION_RELEASED',
  'edge session %s is released',
)
export const EdgeClientGoodbye = defineError<[string]>(
  'EDGE_CLIENT_GOODBYE',
  'client closed the session (Goodbye): %s',
)
export const EdgeProtocolViolation = defineError<[string]>(
  'EDGE_PROTOCOL_VIOLATION',
  'protocol violation: %s',
  { client: true },
)
export const EdgeInboundOverflow = defineError<[number]>(
  'EDGE_INBOUND_OVERFLOW',
  'more than %d messages wait for handlers; message refused',
  { client: true },
)
export const EdgeHandlerTimeout = defineError<[string, number]>(
  'EDGE_HANDLER_TIMEOUT',
  'the handler of %s did not finish within %d ms; the session moved on to its next message',
  { client: true },
)
export const EdgeBadOptions = defineError<[string]>('EDGE_BAD_OPTIONS', 'bad edge options: %s')
