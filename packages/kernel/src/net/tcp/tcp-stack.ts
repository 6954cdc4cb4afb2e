import { connect, createServer, type Server, type Socket } from 'node:net'
import { formatAddress, normalizeIp } from '../address.js'
import { NetConnectFailed } from '../errors.js'
import type { Acceptor, Connection, ConnectOptions, Listener, ListenOptions, Stack } from '../stack.js'
import { TcpConnection } from './tcp-connection.js'

/** Binary TCP: every frame preceded by a 4-byte big-endian length. */
export class TcpStack implements Stack {
  readonly name = 'tcp'

  listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
    const max = acceptor.limits[opts.type].preAuthMaxFrameBytes
    const server = createServer({ noDelay: true }, (socket) => {
      if (!admitSocket(socket, acceptor)) return
      acceptor.accept(new TcpConnection(socket, this.name, max), opts.type)
    })
    return listenOn(server, opts, acceptor)
  }

  connect(opts: ConnectOptions): Promise<Connection> {
    return connectTcp(opts, this.name)
  }
}

/** Refuse a socket before reading a byte when the acceptor says no (IP lists, accept rate). */
export function admitSocket(socket: Socket, acceptor: Acceptor): boolean {
  const ip = socket.remoteAddress
  if (ip === undefined) {
    // Reset before we saw it: nothing to serve.
    socket.destroy()
    return false
  }
  if (!acceptor.admit(normalizeIp(ip), socket)) {
    socket.on('error', ignore)
    socket.resetAndDestroy()
    return false
  }
  return true
}

function ignore(): void {}

/** Listen a net.Server on the address and wrap it as a Listener. */
export function listenOn(server: Server, opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    // Under node:cluster, client ports are shared by the workers (the primary
    // hands out connections); a service's cluster port is its own (links are
    // authenticated per service id) and so is its admin port (its metrics).
    const exclusive = opts.type !== 'client'
    server.listen({ port: opts.address.port, host: opts.address.host, exclusive }, () => {
      server.off('error', reject)
      server.on('error', (err) =>
        acceptor.logger.error({ err, address: formatAddress(opts.address) }, 'listener error'),
      )
      const a = server.address()
      const port = typeof a === 'object' && a !== null ? a.port : opts.address.port
      const address = { ...opts.address, port }
      resolve({
        address,
        // Stop accepting now; net.Server's own callback would also wait for
        // every live connection, which belong to their sessions.
        close: () =>
          new Promise<void>((res) => {
            server.close()
            setImmediate(res)
          }),
      })
    })
  })
}

export function connectTcp(opts: ConnectOptions, stackName: string): Promise<Connection> {
  const target = formatAddress(opts.address)
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: opts.address.host,
      port: opts.address.port,
      localAddress: opts.localAddress,
      noDelay: true,
    })
    const timer = opts.timers.after(opts.timeoutMs, () => {
      socket.destroy()
      reject(new NetConnectFailed(target, 'timeout'))
    })
    socket.once('error', (err) => {
      opts.timers.cancel(timer)
      reject(NetConnectFailed.with({ cause: err }, target, err.message))
    })
    socket.once('connect', () => {
      opts.timers.cancel(timer)
      socket.removeAllListeners('error')
      resolve(new TcpConnection(socket, stackName, opts.maxFrameBytes))
    })
  })
}
