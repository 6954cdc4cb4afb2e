import { defineError } from '../errors/index.js'

// Every NET_ code is also a session close reason (see Session.closeReason), so
// logs and metrics name the path that released a session.

export const NetBadAddress = defineError<[string, string]>('NET_BAD_ADDRESS', 'bad address %s: %s')
export const NetUnknownStack = defineError<[string]>('NET_UNKNOWN_STACK', 'no stack registered for %s')
export const NetStackNotAllowed = defineError<[string, string, string]>(
  'NET_STACK_NOT_ALLOWED',
  'session type %s may not use stack %s (allowed: %s)',
)
export const NetBadLimits = defineError<[string]>('NET_BAD_LIMITS', 'invalid net limits: %s')
export const NetBadHeader = defineError<[string]>('NET_BAD_HEADER', 'bad frame header: %s', { client: true })
export const NetFrameTooLarge = defineError<[number, number]>(
  'NET_FRAME_TOO_LARGE',
  'frame of %d bytes > max %d',
  { client: true },
)
export const NetFrameTooSmall = defineError<[number]>(
  'NET_FRAME_TOO_SMALL',
  'frame of %d bytes < header size',
  { client: true },
)
export const NetBadMessageType = defineError<[string]>(
  'NET_BAD_MESSAGE_TYPE',
  'unexpected message type: %s',
  { client: true },
)
export const NetHandshakeTimeout = defineError<[number]>(
  'NET_HANDSHAKE_TIMEOUT',
  'handshake not completed within %d ms',
  { client: true },
)
export const NetIdleTimeout = defineError<[number]>('NET_IDLE_TIMEOUT', 'nothing received for %d ms', {
  client: true,
})
export const NetRateLimited = defineError<[number]>('NET_RATE_LIMITED', 'message rate above %d/s', {
  client: true,
})
export const NetOutboundOverflow = defineError<[number, number]>(
  'NET_OUTBOUND_OVERFLOW',
  'outbound backlog %d bytes > hard cap %d',
  { client: true },
)
export const NetUnknownMessage = defineError<[number]>('NET_UNKNOWN_MESSAGE', 'unknown message id %d', {
  client: true,
})
export const NetTooManyErrors = defineError<[number]>(
  'NET_TOO_MANY_ERRORS',
  'session sent %d bad messages; closing',
  { client: true },
)
export const NetFrameTimeout = defineError<[number]>(
  'NET_FRAME_TIMEOUT',
  'a frame took longer than %d ms to arrive',
  { client: true },
)
export const NetIpLimit = defineError<[number]>('NET_IP_LIMIT', 'this address already holds %d connections', {
  client: true,
})
export const NetNodeLimit = defineError<[number]>(
  'NET_NODE_LIMIT',
  'the server already holds %d connections',
  { client: true },
)
export const NetPendingEvicted = defineError<[string]>(
  'NET_PENDING_EVICTED',
  'connection cut before its first frame: %s',
  { client: true },
)
export const NetProbationTimeout = defineError<[number]>(
  'NET_PROBATION_TIMEOUT',
  'connection over the accept rate sent no complete first frame within %d ms',
  { client: true },
)
export const NetKicked = defineError<[string]>('NET_KICKED', 'kicked: %s', { client: true })
export const NetPeerClosed = defineError<[]>('NET_PEER_CLOSED', 'peer closed the connection')
export const NetSocketError = defineError<[string]>('NET_SOCKET_ERROR', 'socket error: %s')
/** Reason of a local close() that gave none. */
export const NetSessionClosed = defineError<[number]>('NET_SESSION_CLOSED', 'session %d closed by this side')
export const NetServerClosing = defineError<[]>('NET_SERVER_CLOSING', 'server is shutting down', {
  client: true,
})
export const NetConnectFailed = defineError<[string, string]>(
  'NET_CONNECT_FAILED',
  'connect to %s failed: %s',
)
export const NetBadIpRule = defineError<[string]>(
  'NET_BAD_IP_RULE',
  'bad IP rule %s (want an address or CIDR)',
)
export const NetDuplicateHandler = defineError<[number]>(
  'NET_DUPLICATE_HANDLER',
  'message id %d already has a handler',
)
export const NetTlsBadConfig = defineError<[string]>('NET_TLS_BAD_CONFIG', 'tls: %s')
export const NetTlsNotConfigured = defineError<[string]>(
  'NET_TLS_NOT_CONFIGURED',
  'stack %s needs tls settings (certificate and key files)',
)

// HTTP answers of the net layer's own (routes answer for themselves): each a
// JSON body `{"error":{"code","message"}}` (docs/operations.md, "Admin endpoint").
export const NetHttpNotFound = defineError<[string]>('NET_HTTP_NOT_FOUND', 'no route for %s')
export const NetHttpBadRequest = defineError<[string]>(
  'NET_HTTP_BAD_REQUEST',
  'malformed HTTP request (%s); the connection is closed',
)
export const NetHttpRouteFailed = defineError<[string]>(
  'NET_HTTP_ROUTE_FAILED',
  'route %s failed; the error is in the server log',
)
export const NetHttpRouteTimeout = defineError<[string, number]>(
  'NET_HTTP_ROUTE_TIMEOUT',
  'route %s did not answer within %d ms',
)
