import net from 'node:net'

/**
 * A TCP forwarder on 127.0.0.1:0 in front of a real server, whose link can
 * be cut: cut() resets every open connection and every new one until
 * restore(). Lets tests break the network between the storage and a real
 * MariaDB in milliseconds instead of stopping the server.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>()
  private isCut = false
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let self: TcpProxy | undefined
    const server = net.createServer((client) => {
      const p = self as TcpProxy
      if (p.isCut) {
        client.resetAndDestroy()
        return
      }
      const upstream = net.connect(targetPort, targetHost)
      p.sockets.add(client)
      p.sockets.add(upstream)
      const drop = () => {
        p.sockets.delete(client)
        p.sockets.delete(upstream)
        client.destroy()
        upstream.destroy()
      }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
      client.pipe(upstream)
      upstream.pipe(client)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    self = new TcpProxy(server, (server.address() as net.AddressInfo).port)
    return self
  }

  /** URL of the proxy, same user and password as `url`. */
  url(url: string): string {
    const u = new URL(url)
    u.hostname = '127.0.0.1'
    u.port = String(this.port)
    return u.toString().replace(/\/$/, '')
  }

  cut(): void {
    this.isCut = true
    for (const s of this.sockets) s.resetAndDestroy()
    this.sockets.clear()
  }

  restore(): void {
    this.isCut = false
  }

  /** Open connections (client and upstream sides). */
  get connections(): number {
    return this.sockets.size
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
