import { connect, type Socket } from 'node:net'
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls'
import { onceEvents, type SocketEvents, type SocketFactory } from '../socket.js'

// Node only: exported from `@tessera/client/node`, never from the main
// entry, so browser bundles do not pull in node:net.

export interface TcpSocketOptions {
  host: string
  port: number
  /** Largest inbound frame accepted (checked before allocating). Default 16 MiB. */
  maxFrameBytes?: number
  /** Connect timeout. Default 10 s. */
  connectTimeoutMs?: number
  /** Local (source) address to bind, e.g. to spread many clients over 127.0.0.2-9. Default: the OS picks. */
  localAddress?: string
}

export interface TlsSocketOptions extends TcpSocketOptions {
  /** PEM CA certificates to trust instead of the system store (a private CA, tests). */
  ca?: string | Buffer | (string | Buffer)[]
  /** Name sent in SNI and checked against the certificate. Default: `host` unless it is an IP address. */
  servername?: string
}

/** Frames over TCP: each frame is preceded by its length, u32 big-endian. */
export function tcpSocket(opts: TcpSocketOptions): SocketFactory {
  return (handlers) =>
    framed(
      connect({
        host: opts.host,
        port: opts.port,
        noDelay: true,
        ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
      }),
      'connect',
      opts,
      handlers,
      'tcp',
    )
}

/**
 * The same frames over TLS (a `tls://` port): the certificate is checked
 * (against `ca` or the system store, for `servername`), TLS 1.2 at least.
 */
export function tlsSocket(opts: TlsSocketOptions): SocketFactory {
  const ip = /^[\d.]+$/.test(opts.host) || opts.host.includes(':')
  const o: ConnectionOptions = {
    host: opts.host,
    port: opts.port,
    minVersion: 'TLSv1.2',
    ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
    ...(opts.servername !== undefined
      ? { servername: opts.servername }
      : ip
        ? {}
        : { servername: opts.host }),
  }
  return (handlers) => {
    // A source address needs the TCP socket made first; TLS then runs over it.
    const sock =
      opts.localAddress === undefined
        ? tlsConnect(o)
        : tlsConnect({
            ...o,
            socket: connect({ host: opts.host, port: opts.port, localAddress: opts.localAddress }),
          })
    sock.setNoDelay(true)
    return framed(sock, 'secureConnect', opts, handlers, 'tls')
  }
}

function framed(
  sock: Socket,
  openEvent: 'connect' | 'secureConnect',
  opts: TcpSocketOptions,
  handlers: SocketEvents,
  what: string,
): ReturnType<SocketFactory> {
  const max = opts.maxFrameBytes ?? 16 * 1024 * 1024
  const ev = onceEvents(handlers)
  sock.setTimeout(opts.connectTimeoutMs ?? 10_000, () => {
    sock.destroy()
    ev.onClose('connect timeout')
  })
  sock.once(openEvent, () => {
    sock.setTimeout(0)
    ev.onOpen()
  })
  let pending: Buffer[] = []
  let pendingBytes = 0
  let need = -1 // body length of the frame being read, -1 while reading the prefix
  sock.on('data', (chunk: Buffer) => {
    pending.push(chunk)
    pendingBytes += chunk.length
    while (!ev.closed) {
      if (need < 0) {
        if (pendingBytes < 4) return
        const head = pending.length === 1 ? pending[0]! : Buffer.concat(pending)
        need = head.readUInt32BE(0)
        if (need > max) {
          sock.destroy()
          ev.onClose(`frame of ${need} bytes > max ${max}`)
          return
        }
        pending = [head.subarray(4)]
        pendingBytes -= 4
      }
      if (pendingBytes < need) return
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending)
      const frame = all.subarray(0, need)
      const rest = all.subarray(need)
      pending = rest.length > 0 ? [rest] : []
      pendingBytes = rest.length
      need = -1
      ev.onMessage(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength))
    }
  })
  sock.on('error', (err) => ev.onClose(`${what} error: ${err.message}`))
  sock.on('close', () => ev.onClose(`${what} closed`))
  return {
    send(frame) {
      if (ev.closed) return
      const prefix = Buffer.allocUnsafe(4)
      prefix.writeUInt32BE(frame.length, 0)
      sock.cork()
      sock.write(prefix)
      sock.write(frame)
      sock.uncork()
    },
    close() {
      sock.destroy()
      ev.onClose('closed by client')
    },
  }
}
