import { NetBadAddress } from './errors.js'

/** A listen or connect address with its stack, e.g. `tcp://127.0.0.1:3900` or `ws://0.0.0.0:3901/game`. */
export interface NetAddress {
  /** Stack name: the URL scheme (`tcp`, `ws`, `http`, `auto`, or any registered stack). */
  stack: string
  host: string
  port: number
  /** Path for WebSocket upgrades (`/` = any path). */
  path: string
}

/** Parse `stack://host:port[/path]`. IPv6 hosts go in brackets: `tcp://[::1]:3900`. */
export function parseAddress(text: string): NetAddress {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-fA-F:.]+\]|[^/:[\]]+):(\d{1,5})(\/[^\s]*)?$/.exec(text)
  if (!m) throw new NetBadAddress(text, 'expected stack://host:port[/path]')
  const port = Number(m[3])
  if (port > 65535) throw new NetBadAddress(text, `port ${port} > 65535`)
  let host = m[2]!
  if (host.startsWith('[')) host = host.slice(1, -1)
  return { stack: m[1]!, host, port, path: m[4] ?? '/' }
}

export function formatAddress(a: NetAddress): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host
  return `${a.stack}://${host}:${a.port}${a.path === '/' ? '' : a.path}`
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, so one IPv4 rule covers dual-stack listeners. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}
