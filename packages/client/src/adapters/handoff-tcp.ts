import { type HandoffAddresses, rotatingSocket } from '../handoff.js'
import type { SocketFactory } from '../socket.js'
import { type TcpSocketOptions, tcpSocket } from './tcp.js'

// Node only, like tcp.ts (exported from `@tessera/client/node`).

/** Binary TCP to the hand-off's `tcp` addresses (`tcp://host:port`), one after the other on reconnects. */
export function handoffTcp(
  h: HandoffAddresses,
  opts: Omit<TcpSocketOptions, 'host' | 'port'> = {},
): SocketFactory {
  return rotatingSocket(
    (h.tcp ?? []).map((a) => {
      const u = new URL(a)
      return tcpSocket({ ...opts, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) })
    }),
  )
}
