import { createServer } from 'node:net'

/**
 * A TCP port free on `host` right now, for a child process that must be
 * told its port in advance. Listeners inside the test itself bind port 0
 * instead: between this call and the child's bind another process may take
 * the port, which only a child that cannot report its own port has to risk.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, host, () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))))
    })
  })
}
