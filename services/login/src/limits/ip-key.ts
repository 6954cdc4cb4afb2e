import { isIPv4, isIPv6 } from 'node:net'

/**
 * The throttling subject for a client address: IPv4 as is; IPv6 cut to its
 * first `prefixBits` bits, since one subscriber usually holds a whole /64
 * and could otherwise rotate addresses for free. IPv4-mapped IPv6 counts as
 * IPv4.
 */
export function ipKey(ip: string, prefixBits: number): string {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip
  if (isIPv4(v4)) return v4
  if (!isIPv6(ip)) return ip.slice(0, 64)
  const groups = expand(ip)
  const out: string[] = []
  let bits = prefixBits
  for (const g of groups) {
    if (bits >= 16) out.push(g.toString(16))
    else if (bits > 0) out.push((g & (0xffff << (16 - bits)) & 0xffff).toString(16))
    else out.push('0')
    bits -= 16
  }
  return `${out.join(':')}/${prefixBits}`
}

/** Eight 16-bit groups of an IPv6 address (`::` and a trailing dotted quad allowed). */
function expand(ip: string): number[] {
  let text = ip.split('%')[0]!
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const zeros = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0')
  return [...h, ...zeros, ...t].map((g) => Number.parseInt(g, 16))
}
