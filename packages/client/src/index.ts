// Public surface of @tessera/client (browsers, mini games and Node). The
// Node TCP adapter lives in `@tessera/client/node` so browser bundles never
// see node:net.

export type { MiniGameSocketApi, MiniGameSocketTask } from './adapters/mini-game.js'
export { miniGameSocket } from './adapters/mini-game.js'
export type { WebSocketConstructor, WebSocketLike, WebSocketSocketOptions } from './adapters/websocket.js'
export { webSocketSocket } from './adapters/websocket.js'
export type { ReconnectOptions } from './backoff.js'
export { backoffDelay, defaultReconnect } from './backoff.js'
export { TesseraClient } from './client.js'
export type { ClientEvents, ClientState, RequestOptions } from './client-events.js'
export type { ClientOptions } from './client-options.js'
export { ClientErrorCode, TesseraClientError, wireErrorName } from './errors.js'
export type { ClientFrame } from './frame.js'
export { decodeFrame, encodeFrame, FrameFlag, HEADER_BYTES } from './frame.js'
export type { HandoffAddresses } from './handoff.js'
export { handoffWebSocket, rotatingSocket } from './handoff.js'
export * from './login/index.js'
export {
  checkServerSignature,
  parsePinnedKeys,
  transcriptOf,
  webCryptoSupportsEd25519,
} from './server-auth.js'
export type { ClientSocket, SocketEvents, SocketFactory } from './socket.js'
export { onceEvents } from './socket.js'
export { ClientKeyExchange, WebCipher, webCryptoSupportsX25519 } from './web-cipher.js'
