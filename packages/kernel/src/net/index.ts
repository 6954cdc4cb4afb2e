// Public surface of the net layer: stacks per port, sessions and limits.

export { AcceptLimiter } from './accept-limiter.js'
export type { NetAddress } from './address.js'
export { formatAddress, normalizeIp, parseAddress } from './address.js'
export { AutoStack, isHttpStart } from './auto/auto-stack.js'
export type { ControlCodec } from './control.js'
export { decodeMinimalReason, textControlCodec } from './control.js'
export type { NetCounters } from './counters.js'
export { newCounters } from './counters.js'
export type { MessageHandlerFn } from './dispatcher.js'
export { Dispatcher } from './dispatcher.js'
export type { Endpoint, EndpointConfig } from './endpoints.js'
export { resolveEndpoint, resolveEndpoints } from './endpoints.js'
export * from './errors.js'
export type { Frame, FrameHeader } from './frame-header.js'
export {
  checkHeader,
  decodeFrame,
  encodeFrame,
  FrameFlag,
  HEADER_BYTES,
  InboundFrame,
  MAX_CONTROL_MSG_ID,
  writeHeader,
} from './frame-header.js'
export type { FrameSealer } from './frame-sealer.js'
export { httpErrorBody, sendHttpError } from './http/http-error.js'
export { HttpStack } from './http/http-stack.js'
export type { HttpRoute, HttpRoutes } from './http/routes.js'
export { dispatchRoute } from './http/routes.js'
export type { IpRules } from './ip-filter.js'
export { IpFilter } from './ip-filter.js'
export type { NetLimits, NetLimitsInput, SessionLimits, SessionType } from './limits.js'
export { defaultNetLimits, resolveNetLimits, SESSION_TYPES } from './limits.js'
export type { NetLogger } from './logger.js'
export { MemoryLogger, silentLogger } from './logger.js'
export type { NetServerOptions } from './net-server.js'
export { NetServer, ourDecision, releaseLevel } from './net-server.js'
export { SendPolicy } from './send-policy.js'
export type { SessionHandler, SessionHost } from './session.js'
export { Session } from './session.js'
export type {
  Acceptor,
  Connection,
  ConnectionSink,
  ConnectOptions,
  Listener,
  ListenOptions,
  Stack,
  TlsConnectOptions,
} from './stack.js'
export type { StackRegistry } from './stacks.js'
export { defaultStacks, getStack } from './stacks.js'
export { LengthPrefixParser } from './tcp/length-prefix-parser.js'
export { TcpConnection } from './tcp/tcp-connection.js'
export { TcpStack } from './tcp/tcp-stack.js'
export type { TlsConfigInput } from './tls/tls-config-schema.js'
export { tlsConfigSchema } from './tls/tls-config-schema.js'
export type { TlsCertFiles, TlsConfig } from './tls/tls-contexts.js'
export { TlsContexts } from './tls/tls-contexts.js'
export { AutoTlsStack, HttpsStack, TlsStack, WssStack } from './tls/tls-stacks.js'
export { WsConnection } from './ws/ws-connection.js'
export { WsStack } from './ws/ws-stack.js'
