// Node entry of @tessera/client: everything the main entry has, plus the
// TCP socket adapter (node:net, length-prefixed frames).

export { handoffTcp } from './adapters/handoff-tcp.js'
export type { TcpSocketOptions, TlsSocketOptions } from './adapters/tcp.js'
export { tcpSocket, tlsSocket } from './adapters/tcp.js'
export * from './index.js'
