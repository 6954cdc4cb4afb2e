import { readdirSync } from 'node:fs'
import path from 'node:path'
import { readLink, readProc } from './proc-files.js'

const LISTEN = '0A'

/**
 * TCP addresses a process listens on (`127.0.0.1:3800`, `[::]:3809`): its
 * socket inodes (/proc/PID/fd) matched against the LISTEN rows of
 * /proc/PID/net/tcp and tcp6 (the process's own network namespace).
 * Undefined when its fds cannot be read (another user's process).
 */
export function listeningPorts(procRoot: string, pid: number): string[] | undefined {
  const dir = path.join(procRoot, String(pid))
  let fds: string[]
  try {
    fds = readdirSync(path.join(dir, 'fd'))
  } catch {
    return undefined
  }
  const inodes = new Set<string>()
  for (const fd of fds) {
    const m = /^socket:\[(\d+)\]$/.exec(readLink(path.join(dir, 'fd', fd)) ?? '')
    if (m) inodes.add(m[1]!)
  }
  const out: string[] = []
  if (!inodes.size) return out
  for (const table of ['tcp', 'tcp6']) {
    for (const line of (readProc(path.join(dir, 'net', table)) ?? '').split('\n').slice(1)) {
      const c = line.trim().split(/\s+/)
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
      if (c.length < 10 || c[3] !== LISTEN || !inodes.has(c[9]!)) continue
      out.push(decodeAddress(c[1]!))
    }
  }
  return out.sort()
}

/** `0100007F:0D05` → `127.0.0.1:3333`; IPv6 as `[…]:port`. The kernel prints each 32-bit word in host (little-endian) order. */
export function decodeAddress(hex: string): string {
  const [addr, port] = hex.split(':') as [string, string]
  const p = Number.parseInt(port, 16)
  const words = addr.match(/.{8}/g) ?? []
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)))
  if (bytes.length === 4) return `${bytes.join('.')}:${p}`
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16))
  const v4 = groups.slice(0, 6).join(':') === '0:0:0:0:0:ffff'
  if (v4) return `[::ffff:${bytes.slice(12).join('.')}]:${p}`
  return `[${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}]:${p}`
}
