import type { Acceptor, Connection, ConnectOptions, Listener, ListenOptions, Stack } from '../stack.js'
import { connectWs, listenHttp } from '../ws/ws-stack.js'

/**
 * HTTP routes (admin, metrics) plus WebSocket upgrade on one port. The
 * upgrade path is the address path, `/ws` when the address has none.
 */
export class HttpStack implements Stack {
  readonly name = 'http'

  listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
    return listenHttp(this.name, opts, acceptor, wsPathOf(opts.address.path), opts.routes)
  }

  connect(opts: ConnectOptions): Promise<Connection> {
    return connectWs({ ...opts, address: { ...opts.address, path: wsPathOf(opts.address.path) } }, this.name)
  }
}

export function wsPathOf(path: string): string {
  return path === '/' ? '/ws' : path
}
