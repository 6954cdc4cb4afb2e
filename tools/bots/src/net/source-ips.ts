// --source-ips: the local addresses bots bind to, so one machine can open
// more connections than one address has ephemeral ports (about 28k per
// destination) and per-address limits (the gateway's accept rate, login's
// throttles) see many clients, as they would in the field.
import { isIPv4 } from 'node:net'

const MAX_ADDRESSES = 1024

/**
 * Parse `127.0.0.2-9`, `127.0.0.2-127.0.0.9` or a comma list of addresses
 * (each item may itself be a range). Throws a RangeError naming the bad part.
 */
export function parseSourceIps(spec: string): string[] {
  const out: string[] = []
  for (const part of spec.split(',').map((p) => p.trim())) {
    if (part === '') throw new RangeError(`empty item in "${spec}"`)
    const dash = part.indexOf('-')
    if (dash < 0) {
      if (!isIPv4(part)) throw new RangeError(`"${part}" is not an IPv4 address`)
      out.push(part)
      continue
    }
    const first = part.slice(0, dash)
    let last = part.slice(dash + 1)
    if (!isIPv4(first)) throw new RangeError(`"${first}" is not an IPv4 address`)
    const head = first.split('.').slice(0, 3).join('.')
    if (/^\d{1,3}$/.test(last)) last = `${head}.${last}`
    if (!isIPv4(last) || last.split('.').slice(0, 3).join('.') !== head)
      throw new RangeError(`"${part}": a range varies the last number only (e.g. 127.0.0.2-9)`)
    const a = Number(first.split('.')[3])
    const b = Number(last.split('.')[3])
    if (b < a) throw new RangeError(`"${part}": the range ends before it starts`)
    for (let i = a; i <= b; i++) out.push(`${head}.${i}`)
  }
  if (out.length > MAX_ADDRESSES) throw new RangeError(`more than ${MAX_ADDRESSES} addresses`)
  return out
}
