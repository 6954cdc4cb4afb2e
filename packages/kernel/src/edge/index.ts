// Public surface of the edge: the server side of client connections
// (handshake, heartbeat, sequenced delivery, resume) on top of net/ and codec/.
// The control messages themselves are @tessera/wire's generated types.

export { edgeControlCodec } from './edge-control-codec.js'
export type { EdgeHandlerFn, EdgeOptions } from './edge-options.js'
export { EdgeServer } from './edge-server.js'
export type { EdgeSessionState } from './edge-session.js'
export { EdgeSession } from './edge-session.js'
export * from './errors.js'
export {
  checkClient,
  ENCRYPTION_MODES,
  type EncryptionMode,
  encryptionFor,
  finishHandshakeOk,
  negotiate,
  type ServerKeys,
  serverKeys,
  startSealing,
} from './handshake-checks.js'
export type { HmacTokenOptions, VerifyToken } from './hmac-token.js'
export { HmacTokens } from './hmac-token.js'
export { versionFromWire, versionToWire } from './version-check.js'
export { kickReasonFor, toErrorReply, wireName } from './wire-codes.js'
