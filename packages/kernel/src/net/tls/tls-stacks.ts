import type { TLSSocket } from 'node:tls'
import { sniffStack } from '../auto/auto-stack.js'
import { HttpFrontend } from '../http/http-frontend.js'
import { wsPathOf } from '../http/http-stack.js'
import type { Acceptor, Connection, ConnectOptions, Listener, ListenOptions, Stack } from '../stack.js'
import { TcpConnection } from '../tcp/tcp-connection.js'
import { connectWs } from '../ws/ws-stack.js'
import { connectTls, listenTls } from './tls-server.js'

// The TLS variants of the client stacks. Each is its plain twin behind a
// tls.Server (listenTls: admission before the handshake, TLS 1.2+, SNI,
// certificates reloaded live); framing is unchanged once the socket is secure.

/** `tls://`: binary TCP (4-byte length prefix) over TLS. */
export class TlsStack implements Stack {
  readonly name = 'tls'

  listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
    const max = acceptor.limits[opts.type].preAuthMaxFrameBytes
    return listenTls(this.name, opts, acceptor, (socket) =>
      acceptor.accept(new TcpConnection(socket, this.name, max), opts.type),
    )
  }

  async connect(opts: ConnectOptions): Promise<Connection> {
    return new TcpConnection(await connectTls(opts), this.name, opts.maxFrameBytes)
  }
}

/** `wss://`: WebSocket over TLS, upgrading on the address path (`/` = any). */
export class WssStack implements Stack {
  readonly name: string = 'wss'

  listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
    return listenHttps(this.name, opts, acceptor, opts.address.path, undefined, false)
  }

  connect(opts: ConnectOptions): Promise<Connection> {
    return connectWs(opts, this.name, true)
  }
}

/** `https://`: HTTP routes plus WebSocket upgrade (path `/ws` by default) over TLS. */
export class HttpsStack implements Stack {
  readonly name = 'https'

  listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
    return listenHttps(this.name, opts, acceptor, wsPathOf(opts.address.path), opts.routes, false)
  }

  connect(opts: ConnectOptions): Promise<Connection> {
    return connectWs(
      { ...opts, address: { ...opts.address, path: wsPathOf(opts.address.path) } },
      this.name,
      true,
    )
  }
}

/** `auto+tls://`: TLS, then binary TCP, WebSocket or HTTP told apart by the first byte (as `auto`). */
export class AutoTlsStack implements Stack {
  readonly name = 'auto+tls'

  listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
    return listenHttps(this.name, opts, acceptor, wsPathOf(opts.address.path), opts.routes, true)
  }

  /** Connecting to an auto+tls port speaks binary TCP over TLS. */
  async connect(opts: ConnectOptions): Promise<Connection> {
    return new TcpConnection(await connectTls(opts), this.name, opts.maxFrameBytes)
  }
}

async function listenHttps(
  stack: string,
  opts: ListenOptions,
  acceptor: Acceptor,
  wsPath: string,
  routes: ListenOptions['routes'],
  sniff: boolean,
): Promise<Listener> {
  const frontend = new HttpFrontend({ type: opts.type, stack, wsPath, routes }, acceptor)
  const onSecure = sniff
    ? (socket: TLSSocket) => sniffStack(socket, stack, opts, acceptor, frontend)
    : (socket: TLSSocket) => frontend.handle(socket)
  const l = await listenTls(stack, opts, acceptor, onSecure)
  return {
    address: l.address,
    close: async () => {
      frontend.close()
      await l.close()
    },
  }
}
