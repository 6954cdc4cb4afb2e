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
    const max = acceptor.limits[opts.type].preAuthMaxFrameBytes
    const timeoutMs = acceptor.limits.upgradeTimeoutMs
    const server = createServer({ noDelay: true }, (socket: Socket) => {
      if (!admitSocket(socket, acceptor)) return
      socket.on('error', ignore)
      socket.setTimeout(timeoutMs, () => socket.destroy())
      socket.once('data', (chunk: Buffer) => {
        socket.pause()
        socket.setTimeout(0)
        socket.removeAllListeners('timeout')
        socket.off('error', ignore)
        socket.unshift(chunk)
        if (isHttpStart(chunk[0]!)) frontend.handle(socket)
        else acceptor.accept(new TcpConnection(socket, this.name, max), opts.type)
      })
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

/** First byte of an HTTP/1.x request: an upper-case ASCII method letter. */
export function isHttpStart(byte: number): boolean {
  return byte >= 0x41 && byte <= 0x5a
}

function ignore(): void {}
