// Public surface of the edge: the server side of client connections
// (handshake, heartbeat, sequenced delivery, resume) on top of net/ and codec/.

export type { HandshakeMsg, HandshakeOkMsg, WireVersion } from './control-messages.js'
export { ControlId, ControlMessages, edgeControlCodec } from './control-messages.js'
export type { EdgeHandlerFn, EdgeOptions } from './edge-options.js'
export { EdgeServer } from './edge-server.js'
export type { EdgeMessageType, EdgeSessionState } from './edge-session.js'
export { EdgeSession } from './edge-session.js'
export * from './errors.js'
export { checkClient, negotiate, serverKeys } from './handshake-checks.js'
export type { HmacTokenOptions, VerifyToken } from './hmac-token.js'
export { HmacTokens } from './hmac-token.js'
export type { Sequenced } from './replay-buffer.js'
export { ReplayBuffer } from './replay-buffer.js'
export { versionFromWire, versionToWire } from './version-check.js'
export {
  Kick as KickReasonCode,
  kickReasonFor,
  toErrorReply,
  Wire as WireCode,
  wireName,
} from './wire-codes.js'
