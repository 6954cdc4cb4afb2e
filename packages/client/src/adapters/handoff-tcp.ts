import { type HandoffAddresses, rotatingSocket } from '../handoff.js'
import type { SocketFactory } from '../socket.js'
import { type TlsSocketOptions, tcpSocket, tlsSocket } from './tcp.js'

// Node only, like tcp.ts (exported from `@tessera/client/node`).

/**
 * Binary TCP to the hand-off's `tcp` addresses, one after the other on
 * reconnects: `tcp://host:port` in clear, `tls://host:port` over TLS (with
 * `opts.ca` / `opts.servername` when the server's CA is not in the system store).
 */
export function handoffTcp(
  h: HandoffAddresses,
  opts: Omit<TlsSocketOptions, 'host' | 'port'> = {},
): SocketFactory {
  return rotatingSocket(
    (h.tcp ?? []).map((a) => {
      const u = new URL(a)
      const at = { ...opts, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) }
      return u.protocol === 'tls:' ? tlsSocket(at) : tcpSocket(at)
    }),
  )
}
