import { createServer, type Socket } from 'node:net'
import { HttpFrontend } from '../http/http-frontend.js'
import { wsPathOf } from '../http/http-stack.js'
import type { Acceptor, Connection, ConnectOptions, Listener, ListenOptions, Stack } from '../stack.js'
import { TcpConnection } from '../tcp/tcp-connection.js'
import { admitSocket, connectTcp, listenOn } from '../tcp/tcp-stack.js'

/**
 * Binary TCP, WebSocket and HTTP on one port, told apart by the first byte:
 * an HTTP request starts with an upper-case method letter (0x41-0x5A), while a
 * binary frame starts with the high byte of its length, which is below 0x40
 * because frames are capped at 1 GiB (limits validation). The peeked bytes
 * are unshifted back and the socket handed to the right parser.
 */
export class AutoStack implements Stack {
  readonly name = 'auto'

  async listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
    const frontend = new HttpFrontend(
      { type: opts.type, stack: this.name, wsPath: wsPathOf(opts.address.path), routes: opts.routes },
      acceptor,
    )
    const server = createServer({ noDelay: true }, (socket: Socket) => {
      if (admitSocket(socket, acceptor)) sniffStack(socket, this.name, opts, acceptor, frontend)
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

  /** Connecting to an auto port speaks binary TCP. */
  connect(opts: ConnectOptions): Promise<Connection> {
    return connectTcp(opts, this.name)
  }
}

/**
 * Read the first bytes of an admitted socket and hand it to the HTTP front
 * (request line) or to a binary connection (length prefix). Used by auto and
 * auto+tls (after the TLS handshake).
 */
export function sniffStack(
  socket: Socket,
  stack: string,
  opts: ListenOptions,
  acceptor: Acceptor,
  frontend: HttpFrontend,
): void {
  const max = acceptor.limits[opts.type].preAuthMaxFrameBytes
  socket.on('error', ignore)
  socket.setTimeout(acceptor.limits.upgradeTimeoutMs, () => socket.destroy())
  socket.once('data', (chunk: Buffer) => {
    socket.pause()
    socket.setTimeout(0)
    socket.removeAllListeners('timeout')
    socket.off('error', ignore)
    socket.unshift(chunk)
    if (isHttpStart(chunk[0]!)) frontend.handle(socket)
    else acceptor.accept(new TcpConnection(socket, stack, max), opts.type)
  })
}

/** First byte of an HTTP/1.x request: an upper-case ASCII method letter. */
export function isHttpStart(byte: number): boolean {
  return byte >= 0x41 && byte <= 0x5a
}

function ignore(): void {}
