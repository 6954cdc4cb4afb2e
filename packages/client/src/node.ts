// Node entry of @tessera/client: everything the main entry has, plus the
// TCP socket adapter (node:net, length-prefixed frames).

export { handoffTcp } from './adapters/handoff-tcp.js'
export type { TcpSocketOptions } from './adapters/tcp.js'
export { tcpSocket } from './adapters/tcp.js'
export * from './index.js'
