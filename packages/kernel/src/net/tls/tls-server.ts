import { connect as netConnect, type Socket } from 'node:net'
import { createServer, type Server, type TLSSocket, connect as tlsConnect } from 'node:tls'
import { formatAddress } from '../address.js'
import { NetConnectFailed, NetTlsNotConfigured } from '../errors.js'
import type { Acceptor, ConnectOptions, Listener, ListenOptions } from '../stack.js'
import { admitSocket, listenOn } from '../tcp/tcp-stack.js'
import type { TlsContexts } from './tls-contexts.js'

/**
 * A tls.Server for one listener: sockets are admitted (IP lists, accept
 * rate) before the TLS handshake costs anything; the handshake must finish
 * within the upgrade deadline; certificates come from `contexts` and follow
 * its reloads (setSecureContext for the default, SNI looked up per
 * handshake), so live connections are never touched by a reload.
 */
export async function listenTls(
  stack: string,
  opts: ListenOptions,
  acceptor: Acceptor,
  onSecure: (socket: TLSSocket) => void,
): Promise<Listener & { server: Server }> {
  const contexts = opts.tls
  if (contexts === undefined) throw new NetTlsNotConfigured(stack)
  const server = createServer({
    ...contexts.defaultOptions(),
    minVersion: contexts.minVersion,
    handshakeTimeout: acceptor.limits.upgradeTimeoutMs,
    SNICallback: (name, cb) => cb(null, contexts.select(name)),
  })
  // tls.Server's own listener runs only for admitted sockets: a refused one never starts a handshake.
  const own = server.listeners('connection') as ((s: Socket) => void)[]
  server.removeAllListeners('connection')
  server.on('connection', (socket: Socket) => {
    if (admitSocket(socket, acceptor)) for (const fn of own) fn.call(server, socket)
  })
  server.on('secureConnection', onSecure)
  server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
    // Scanners, old clients and timeouts: worth a line, not an alarm.
    acceptor.logger.info(
      { stack, ip: socket.remoteAddress, code: err.code, message: err.message },
      'tls handshake failed',
    )
  })
  const unsubscribe = contexts.onChange(() => server.setSecureContext(contexts.defaultOptions()))
  const l = await listenOn(server, opts, acceptor)
  return {
    server,
    address: l.address,
    close: () => {
      unsubscribe()
      return l.close()
    },
  }
}

/** Open a TLS connection (certificate checked against `opts.tls.ca` or the system store). */
export function connectTls(opts: ConnectOptions): Promise<TLSSocket> {
  const target = formatAddress(opts.address)
  const t = opts.tls ?? {}
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: opts.address.host,
      port: opts.address.port,
      ...(opts.localAddress !== undefined
        ? {
            socket: netConnect({
              host: opts.address.host,
              port: opts.address.port,
              localAddress: opts.localAddress,
            }),
          }
        : {}),
      servername: t.servername ?? (isIp(opts.address.host) ? undefined : opts.address.host),
      ...(t.ca !== undefined ? { ca: t.ca } : {}),
      minVersion: t.minVersion ?? 'TLSv1.2',
    })
    socket.setNoDelay(true)
    const timer = opts.timers.after(opts.timeoutMs, () => {
      socket.destroy()
      reject(new NetConnectFailed(target, 'timeout'))
    })
    socket.once('error', (err) => {
      opts.timers.cancel(timer)
      reject(NetConnectFailed.with({ cause: err }, target, err.message))
    })
    socket.once('secureConnect', () => {
      opts.timers.cancel(timer)
      socket.removeAllListeners('error')
      resolve(socket)
    })
  })
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}

export type { TlsContexts }
