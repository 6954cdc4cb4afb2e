import { createServer, type NetConnectOpts, connect as netConnect, type Socket } from 'node:net'
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls'
import { WebSocket } from 'ws'
import { formatAddress } from '../address.js'
import { NetConnectFailed } from '../errors.js'
import { HttpFrontend } from '../http/http-frontend.js'
import type { Acceptor, Connection, ConnectOptions, Listener, ListenOptions, Stack } from '../stack.js'
import { admitSocket, listenOn } from '../tcp/tcp-stack.js'
import { WsConnection } from './ws-connection.js'

/** WebSocket (ws): one binary message = one frame. Upgrades on the address path (`/` = any). Plain HTTP gets 404. */
export class WsStack implements Stack {
  readonly name: string = 'ws'

  listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
    return listenHttp(this.name, opts, acceptor, opts.address.path, undefined)
  }

  connect(opts: ConnectOptions): Promise<Connection> {
    return connectWs(opts, this.name)
  }
}

/** A net.Server that admits sockets, then hands them to an {@link HttpFrontend}. */
export async function listenHttp(
  stack: string,
  opts: ListenOptions,
  acceptor: Acceptor,
  wsPath: string | null,
  routes: ListenOptions['routes'],
): Promise<Listener> {
  const frontend = new HttpFrontend({ type: opts.type, stack, wsPath, routes }, acceptor)
  const server = createServer({ noDelay: true }, (socket: Socket) => {
    if (admitSocket(socket, acceptor)) frontend.handle(socket)
  })
  const l = await listenOn(server, opts, acceptor)
  return {
    address: l.address,
    close: async () => {
      frontend.close()
      await l.close()
    },
  }
}

export function connectWs(opts: ConnectOptions, stackName: string, secure = false): Promise<Connection> {
  const a = opts.address
  const url = `${secure ? 'wss' : 'ws'}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}${a.path}`
  const target = formatAddress(a)
  return new Promise((resolve, reject) => {
    // We open the TCP socket ourselves so the connection can watch its
    // 'drain' without reaching into ws internals.
    let socket: Socket | null = null
    const ws = new WebSocket(url, {
      maxPayload: opts.maxFrameBytes,
      perMessageDeflate: false,
      handshakeTimeout: opts.timeoutMs,
      localAddress: opts.localAddress,
      ...(secure ? { ca: opts.tls?.ca, servername: opts.tls?.servername, minVersion: 'TLSv1.2' } : {}),
      createConnection: ((o: NetConnectOpts & ConnectionOptions) => {
        socket = secure ? tlsConnect(o) : netConnect(o)
        return socket
      }) as typeof netConnect,
    })
    const fail = (err: Error): void => reject(NetConnectFailed.with({ cause: err }, target, err.message))
    ws.once('error', fail)
    ws.once('open', () => {
      ws.off('error', fail)
      resolve(new WsConnection(ws, socket!, stackName))
    })
  })
}
