// The gateway's client side: handshake, forwarding to logic, kicks.
export type { GatewayConn } from './gateway-conn.js'
export { GatewayEdge, type GatewayEdgeOptions, MARK_BAD_BODY, MARK_UNKNOWN } from './gateway-edge.js'
export { parseResumeToken } from './resume-token.js'
